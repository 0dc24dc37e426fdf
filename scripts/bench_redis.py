#!/usr/bin/env python3
"""Redis benchmarks for tetherd (release build): `make bench-redis`, or some sections with
`python3 scripts/bench_redis.py discovery|fleet|rtt|tail ...`.

  discovery  One daemon on a Redis holding 1,000,000 unrelated keys (DEBUG POPULATE): the longest
             single command the daemon causes (SLOWLOG with a 0 us threshold, the harness's own
             commands left out), the SCAN calls of its start-up sweep, one KEYS call on the same data
             for contrast, and the daemon's commands per minute with and without the unrelated keys
             (INFO commandstats over WINDOW seconds, harness commands left out).
  fleet      N daemons (tetherd-fixture, 50 fake sessions each) on one Redis for N in FLEET
             (default "2 5 10 20"): Redis commands per second and CPU, each daemon's CPU, and the
             heartbeat and event commands, over WINDOW seconds after one full round.
  rtt        Request and reply between two daemons on loopback: a Tether requester (the daemon's own
             RedisRequester, in tether-bench) asks a running tetherd COUNT times (p50, p90, p99).
  tail       A keystroke on one computer to the screen update in a remote `tail -f` on another:
             daemons A and B on one Redis, a session on A followed by a WebSocket client of B
             (tether-bench remote-tail; p50, p90, p99 over COUNT rounds).

Each section starts its own redis-server on a free loopback port and its daemons in a temporary
directory (their own tmux sockets, stores and API sockets); nothing is left running.
"""
import json, os, socket, statistics, subprocess, sys, tempfile, time

BIN = os.environ.get("BIN_DIR", ".build/release")
WINDOW = float(os.environ.get("WINDOW", "60"))
FLEET = [int(n) for n in os.environ.get("FLEET", "2 5 10 20").split()]
# Commands only the harness sends; left out of every count of the daemons' commands.
HARNESS = {"info", "config", "slowlog", "client", "debug", "keys", "dbsize", "ping", "flushall", "exists"}
CLK_TCK = os.sysconf("SC_CLK_TCK")


class Redis:
    """A minimal RESP client: enough for the harness's own commands."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=120)
        self.buf = b""

    def call(self, *args):
        out = b"*%d\r\n" % len(args)
        for a in args:
            a = a if isinstance(a, bytes) else str(a).encode()
            out += b"$%d\r\n%s\r\n" % (len(a), a)
        self.sock.sendall(out)
        return self._read()

    def _line(self):
        while b"\r\n" not in self.buf:
            chunk = self.sock.recv(1 << 20)
            if not chunk:
                raise ConnectionError("redis closed the connection")
            self.buf += chunk
        line, _, self.buf = self.buf.partition(b"\r\n")
        return line

    def _read(self):
        line = self._line()
        kind, rest = line[:1], line[1:]
        if kind == b"+":
            return rest.decode()
        if kind == b"-":
            raise RuntimeError(rest.decode())
        if kind == b":":
            return int(rest)
        if kind == b"$":
            n = int(rest)
            if n < 0:
                return None
            while len(self.buf) < n + 2:
                self.buf += self.sock.recv(1 << 20)
            data, self.buf = self.buf[:n], self.buf[n + 2:]
            return data
        if kind == b"*":
            n = int(rest)
            return None if n < 0 else [self._read() for _ in range(n)]
        raise RuntimeError(f"unexpected reply {line!r}")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_redis(tmp):
    port = free_port()
    proc = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no", "--dir", tmp, "--enable-debug-command", "yes"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(200):
        try:
            r = Redis(port)
            r.call("PING")
            return proc, port, r
        except OSError:
            time.sleep(0.05)
    sys.exit("redis-server did not start")


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def command_calls(r):
    """Calls per command since the server started, harness commands left out."""
    calls = {}
    for line in r.call("INFO", "commandstats").decode().splitlines():
        if line.startswith("cmdstat_"):
            name, _, rest = line[len("cmdstat_"):].partition(":")
            if name.split("|")[0] in HARNESS:
                continue
            calls[name] = int(rest.split("calls=")[1].split(",")[0])
    return calls


def delta(after, before):
    return {k: v - before.get(k, 0) for k, v in after.items() if v - before.get(k, 0) > 0}


def start_daemon(binary, tmp, name, port, env_extra=None, config_extra=""):
    home = os.path.join(tmp, name)
    os.makedirs(home, exist_ok=True)
    config = os.path.join(home, "tether.yml")
    with open(config, "w") as f:
        f.write(f"""computer: {{name: {name}, tmux_socket: {name}}}
redis: {{enabled: true, url: "redis://127.0.0.1:{port}"}}
api: {{socket: {home}/api.sock}}
database: {{path: {home}/tether.db}}
{config_extra}
""")
    notify = os.path.join(home, "notify.sock")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(notify)
    env = {"PATH": "/usr/bin:/bin", "HOME": home, "NOTIFY_SOCKET": notify, "TMUX_TMPDIR": home, "SHELL": "/bin/sh"}
    env.update(env_extra or {})
    proc = subprocess.Popen([binary, "--config", config], env=env, stdout=subprocess.DEVNULL,
                            stderr=open(os.path.join(home, "log"), "w"))
    sock.settimeout(30)
    while "READY=1" not in sock.recv(65536).decode().split("\n"):
        pass
    sock.close()
    return proc


def stop_all(procs, tmp, names):
    for p in procs:
        p.terminate()
    for p in procs:
        p.wait(timeout=30)
    for name in names:
        subprocess.run(["tmux", "-L", name, "kill-server"], env={"PATH": "/usr/bin:/bin", "TMUX_TMPDIR": os.path.join(tmp, name)},
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def wait_for(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    sys.exit(f"timed out waiting for {what}")


_last_scans = [-1]


def sweep_finished(r):
    """True once SCAN calls have been seen and their count held for one poll (the sweep ended)."""
    scans = command_calls(r).get("scan", 0)
    done = scans > 0 and scans == _last_scans[0]
    _last_scans[0] = scans
    time.sleep(0.4)
    return done


def discovery():
    keys = int(os.environ.get("KEYS", "1000000"))
    print(f"discovery: one daemon, Redis 7 with {keys:,} unrelated keys; window {WINDOW:.0f} s")
    for populated in (keys, 0):
        with tempfile.TemporaryDirectory() as tmp:
            redis, port, r = start_redis(tmp)
            try:
                if populated:
                    r.call("DEBUG", "POPULATE", populated, "unrelated")
                own = r.call("CLIENT", "ID")
                r.call("CONFIG", "SET", "slowlog-log-slower-than", "0")
                r.call("CONFIG", "SET", "slowlog-max-len", "1000000")
                r.call("SLOWLOG", "RESET")
                before = command_calls(r)
                _last_scans[0] = -1
                t0 = time.monotonic()
                daemon = start_daemon(os.path.join(BIN, "tetherd"), tmp, "benchhost", port)
                wait_for(lambda: r.call("EXISTS", "computer:benchhost:heartbeat") == 1, 30, "the heartbeat")
                # The start-up sweep runs right after the first heartbeat; its SCAN calls land in the slowlog.
                wait_for(lambda: sweep_finished(r), 120, "the sweep")
                sweep_done = time.monotonic() - t0
                log = r.call("SLOWLOG", "GET", "-1")
                entries = [(e[2], e[3][0].decode().upper()) for e in log
                           if e[3][0].decode().lower() not in HARNESS]
                longest = max(entries) if entries else (0, "-")
                scans = sorted(d for d, name in entries if name == "SCAN")
                start_calls = delta(command_calls(r), before)
                # Steady state: what the daemon sends over WINDOW seconds once the sweep is done.
                mark = command_calls(r)
                time.sleep(WINDOW)
                steady = delta(command_calls(r), mark)
                print(f"  unrelated keys {populated:>9,}: longest daemon command {longest[0]:5d} us ({longest[1]}); "
                      f"start-up sweep {len(scans):,} SCAN calls, median {statistics.median(scans) if scans else 0:.0f} us, "
                      f"done {sweep_done:.1f} s after exec")
                print(f"    commands at start (through the sweep): {sum(start_calls.values()):,} {dict(sorted(start_calls.items()))}")
                print(f"    commands per {WINDOW:.0f} s after the sweep: {sum(steady.values())} {dict(sorted(steady.items()))}")
                if populated:
                    r.call("SLOWLOG", "RESET")
                    t = time.perf_counter()
                    r.call("KEYS", "computer:*:heartbeat")
                    wall = (time.perf_counter() - t) * 1e6
                    keys_log = [e[2] for e in r.call("SLOWLOG", "GET", "-1") if e[3][0].decode().lower() == "keys"]
                    print(f"    contrast: one KEYS computer:*:heartbeat takes {keys_log[0] if keys_log else 0:,} us in Redis "
                          f"({wall:,.0f} us at the caller), blocking every client meanwhile")
                stop_all([daemon], tmp, ["benchhost"])
            finally:
                redis.terminate()
                redis.wait()


def fleet():
    print(f"fleet: N tetherd-fixture daemons with 50 fake sessions each on one Redis; window {WINDOW:.0f} s")
    print(f"  {'N':>3} {'redis cmd/s':>12} {'redis CPU %':>12} {'cmd/s per daemon':>17} {'daemon CPU % (median, max)':>28} "
          f"{'SETEX/min':>10} {'XADD/min':>9}")
    for n in FLEET:
        with tempfile.TemporaryDirectory() as tmp:
            redis, port, r = start_redis(tmp)
            names = [f"bench{i:02d}" for i in range(n)]
            procs = []
            try:
                for name in names:
                    procs.append(start_daemon(os.path.join(BIN, "tetherd-fixture"), tmp, name, port,
                                              {"TETHER_FIXTURE_FAKE_SESSIONS": "50"}))
                wait_for(lambda: all(r.call("EXISTS", f"computer:{x}:heartbeat") == 1 for x in names), 60, "every heartbeat")
                # One full heartbeat round after the last start, so every daemon has seen every other.
                time.sleep(31)
                before, t0 = command_calls(r), time.monotonic()
                cpu0 = [cpu_seconds(p.pid) for p in procs]
                rcpu0 = cpu_seconds(redis.pid)
                time.sleep(WINDOW)
                elapsed = time.monotonic() - t0
                calls = delta(command_calls(r), before)
                cpu = [(cpu_seconds(p.pid) - c) / elapsed * 100 for p, c in zip(procs, cpu0)]
                rcpu = (cpu_seconds(redis.pid) - rcpu0) / elapsed * 100
                total = sum(calls.values()) / elapsed
                print(f"  {n:>3} {total:>12.1f} {rcpu:>12.2f} {total / n:>17.2f} {statistics.median(cpu):>18.2f} {max(cpu):>9.2f} "
                      f"{calls.get('setex', 0) / elapsed * 60:>10.1f} {calls.get('xadd', 0) / elapsed * 60:>9.1f}")
                print(f"      {dict(sorted(calls.items()))}")
            finally:
                stop_all(procs, tmp, names)
                redis.terminate()
                redis.wait()


def http(sock_path, method, path, body=None):
    """One HTTP/1.1 request over the daemon's unix socket; the decoded JSON answer."""
    payload = json.dumps(body).encode() if body is not None else b""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(30)
        s.connect(sock_path)
        s.sendall(f"{method} {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                  f"Content-Length: {len(payload)}\r\nConnection: close\r\n\r\n".encode() + payload)
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    if b"chunked" in head.lower():
        body_bytes = b""
        while rest:
            size, _, rest = rest.partition(b"\r\n")
            n = int(size, 16)
            if n == 0:
                break
            body_bytes, rest = body_bytes + rest[:n], rest[n + 2:]
        rest = body_bytes
    return json.loads(rest or b"null")


def pair(tmp, port):
    """Daemons benchA then benchB on one Redis, each seeing the other."""
    a = start_daemon(os.path.join(BIN, "tetherd"), tmp, "benchA", port)
    b = start_daemon(os.path.join(BIN, "tetherd"), tmp, "benchB", port)
    sock_b = os.path.join(tmp, "benchB", "api.sock")
    wait_for(lambda: any(c.get("name") == "benchA" for c in http(sock_b, "GET", "/computers")), 60, "benchB to see benchA")
    return a, b


def rtt():
    count = os.environ.get("COUNT", "2000")
    with tempfile.TemporaryDirectory() as tmp:
        redis, port, r = start_redis(tmp)
        procs = []
        try:
            procs = list(pair(tmp, port))
            subprocess.run([os.path.join(BIN, "tether-bench"), "redis-rtt", "--redis", f"redis://127.0.0.1:{port}",
                            "--target", "benchA", "--count", count], check=True)
        finally:
            stop_all(procs, tmp, ["benchA", "benchB"])
            redis.terminate()
            redis.wait()


def tail():
    count = os.environ.get("COUNT", "200")
    with tempfile.TemporaryDirectory() as tmp:
        redis, port, r = start_redis(tmp)
        procs = []
        try:
            procs = list(pair(tmp, port))
            sock_a = os.path.join(tmp, "benchA", "api.sock")
            created = http(sock_a, "POST", "/sessions", {"computer": "benchA", "project_dir": os.path.join(tmp, "benchA"), "shell": True})
            session = created["session_id"]
            subprocess.run([os.path.join(BIN, "tether-bench"), "remote-tail", "--follower", os.path.join(tmp, "benchB", "api.sock"),
                            "--host", sock_a, "--session", session, "--count", count], check=True)
        finally:
            stop_all(procs, tmp, ["benchA", "benchB"])
            redis.terminate()
            redis.wait()


if __name__ == "__main__":
    sections = sys.argv[1:] or ["discovery", "rtt", "tail", "fleet"]
    for section in sections:
        {"discovery": discovery, "fleet": fleet, "rtt": rtt, "tail": tail}[section]()
