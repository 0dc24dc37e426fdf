// The wire types (summaries, computers, projects, status, events) and the JSON writer are part of
// Core's vocabulary: every module that imports TetherCore speaks them without a second import.
@_exported import TetherWire
