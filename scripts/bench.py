#!/usr/bin/env python3
"""Foundation benchmarks for tetherd (release build): run with `make bench`.

Measures, over RUNS runs each, reporting medians and p90s:
  - exec to READY=1 on the embedded default configuration, with the tmux server already running
    (a restart: sessions outlive the daemon) and cold (the daemon starts the tmux server);
  - SIGTERM to process exit with 1,000 idle registered tasks (tetherd-fixture);
  - resident memory (VmRSS) right after READY=1, and VmHWM.
"""
import os, socket, statistics, subprocess, sys, tempfile, time

RUNS = int(os.environ.get("RUNS", "30"))
BIN = os.environ.get("BIN_DIR", ".build/release")


def start(binary, env_extra, tmp):
    path = os.path.join(tmp, "notify.sock")
    if os.path.exists(path):
        os.unlink(path)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    # TMUX_TMPDIR keeps the daemon's tmux server (socket "tether") inside the temporary directory.
    env = {"PATH": "/usr/bin:/bin", "HOME": tmp, "NOTIFY_SOCKET": path, "TMUX_TMPDIR": tmp}
    env.update(env_extra)
    t0 = time.perf_counter()
    proc = subprocess.Popen([binary], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    sock.settimeout(10)
    while True:
        msg = sock.recv(65536).decode()
        if "READY=1" in msg.split("\n"):
            return proc, time.perf_counter() - t0, sock


def rss_kib(pid):
    fields = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            fields[key] = value.strip()
    return int(fields["VmRSS"].split()[0]), int(fields["VmHWM"].split()[0])


def stop(proc):
    t0 = time.perf_counter()
    proc.terminate()
    code = proc.wait(timeout=10)
    return time.perf_counter() - t0, code


def summary(name, values, unit, scale):
    values = sorted(v * scale for v in values)
    p90 = values[int(0.9 * (len(values) - 1))]
    print(f"{name:44s} median {statistics.median(values):8.1f} {unit}   p90 {p90:8.1f} {unit}   (n={len(values)})")


def kill_tmux(tmp):
    subprocess.run(["tmux", "-L", "tether", "kill-server"], env={"PATH": "/usr/bin:/bin", "TMUX_TMPDIR": tmp},
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def main():
    ready, cold, rss, hwm, stops = [], [], [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(RUNS):
            kill_tmux(tmp)
            proc, t, sock = start(os.path.join(BIN, "tetherd"), {}, tmp)
            cold.append(t)
            stop(proc)
            sock.close()
        for _ in range(RUNS):
            proc, t, sock = start(os.path.join(BIN, "tetherd"), {}, tmp)
            ready.append(t)
            r, h = rss_kib(proc.pid)
            rss.append(r)
            hwm.append(h)
            stop(proc)
            sock.close()
        for _ in range(RUNS):
            proc, _, sock = start(os.path.join(BIN, "tetherd-fixture"), {"TETHER_FIXTURE_IDLE_TASKS": "1000"}, tmp)
            time.sleep(0.2)
            t, code = stop(proc)
            if code != 0:
                sys.exit(f"tetherd-fixture exited {code} after SIGTERM")
            stops.append(t)
            sock.close()
        kill_tmux(tmp)
    print(f"tetherd benchmarks, {RUNS} runs each, {os.cpu_count()} cores")
    summary("exec -> READY=1, tmux server running", ready, "ms", 1000)
    summary("exec -> READY=1, cold (starts tmux)", cold, "ms", 1000)
    summary("SIGTERM -> exit, 1,000 idle tasks", stops, "ms", 1000)
    summary("VmRSS after READY=1", rss, "MiB", 1 / 1024)
    summary("VmHWM (peak) after READY=1", hwm, "MiB", 1 / 1024)


if __name__ == "__main__":
    main()
