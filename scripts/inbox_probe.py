#!/usr/bin/env python3
"""Drives the real inbox in a pseudo-terminal (120x40), as docs/performance.md
("Inbox at 1M, whole app") measures it: time to first frame, drafts written in the first
2 s for the top 20 of the queue, background CPU from 20 s to 50 s after start
(utime+stime of /proc/PID/stat), and per key the time to the first byte of output and
until output has been quiet for 250 ms (median of --reps rounds). For a search, also the
time to the frame that shows its result page (the first frame after the key whose detail
pane names an item again, "· WB ·"), before its counts settle.
usage: inbox_probe.py BIN DATA_DIR CONFIG [--offline] [--idle] [--keys] [--reps N]
DATA_DIR holds agentiq.db (e.g. from `agentiq generate`); CONFIG from
`agentiq simulator --write-config`. Needs the sqlite3 command."""
import os, pty, re, sys, time, threading, select, subprocess, statistics, signal, struct, fcntl, termios

args = sys.argv[1:]
BIN, DATA, CONFIG = args[:3]
flags = set(a for a in args[3:] if a.startswith('--'))
reps = 7
if '--reps' in args: reps = int(args[args.index('--reps') + 1])
CLK = os.sysconf('SC_CLK_TCK')
db = os.path.join(DATA, 'agentiq.db')

def sql(q):
    return subprocess.run(['sqlite3', db, q], capture_output=True, text=True).stdout.strip()

top20 = sql("SELECT group_concat(id) FROM (SELECT id FROM interactions WHERE state='open' ORDER BY due_at, id LIMIT 20)")
drafts_before = sql(f"SELECT count(*) FROM drafts WHERE interaction_id IN ({top20})")

pid, fd = pty.fork()
if pid == 0:
    os.environ.update({'TERM': 'xterm-256color', 'LANG': 'ru_RU.UTF-8',
                       'AGENTIQ_DATA_DIR': DATA, 'AGENTIQ_LOG_DIR': DATA + '/logs',
                       'AGENTIQ_CONFIG_DIR': DATA + '/cfg'})
    argv = [BIN, '--config', CONFIG] + (['--offline'] if '--offline' in flags else [])
    os.execv(BIN, argv)
fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack('HHHH', 40, 120, 0, 0))
t0 = time.monotonic()
chunks = []  # (time, bytes, end offset in buf)
lock = threading.Lock()
buf = bytearray()
def reader():
    while True:
        try:
            d = os.read(fd, 65536)
        except OSError:
            return
        if not d: return
        with lock:
            buf.extend(d)
            chunks.append((time.monotonic(), len(d), len(buf)))
threading.Thread(target=reader, daemon=True).start()

def cpu():
    f = open(f'/proc/{pid}/stat').read().split(')')[-1].split()
    return (int(f[11]) + int(f[12])) / CLK

def wait_text(s, timeout=120):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        with lock:
            if s.encode() in buf: return time.monotonic()
        time.sleep(0.005)
    raise SystemExit(f'timeout waiting for {s!r}')

first = wait_text('Очередь')
print(f'first frame: {first - t0:.3f} s')
time.sleep(max(0, t0 + 2 - time.monotonic()))
print(f'top-20 drafts at 2 s: {int(sql(f"SELECT count(DISTINCT interaction_id) FROM drafts WHERE interaction_id IN ({top20})")) - int(drafts_before)} new (had {drafts_before})')

if '--idle' in flags:
    time.sleep(max(0, t0 + 20 - time.monotonic()))
    c0, n0 = cpu(), len(chunks)
    time.sleep(30)
    c1, n1 = cpu(), len(chunks)
    print(f'idle CPU 20-50 s: {c1 - c0:.2f} s of 30 s ({(c1 - c0) / 30 * 100:.1f}%), output writes {n1 - n0}')

def quiet(after, gap=0.25, timeout=30):
    """Time of the first and last output chunk after `after`, once output has been quiet for gap."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        time.sleep(0.02)
        with lock:
            later = [t for t, _, _ in chunks if t >= after]
        if later and time.monotonic() - later[-1] >= gap:
            return later[0] - after, later[-1] - after
    return None, None

FRAME_END = b'\x1b[?2026l'  # the end of a synchronized update: one frame
ITEM_TITLE = re.compile('· (WB|OZ) ·'.encode())

def frame_showing(after, pattern):
    """Seconds from `after` to the end of the first frame drawn since then whose bytes
    match `pattern`."""
    with lock:
        later = [(t, end) for t, _, end in chunks if t >= after]
        if not later: return None
        first = next(c for c in chunks if c[0] >= after)
        start = first[2] - first[1]
        data = bytes(buf[start:])
    pos = 0
    while True:
        end = data.find(FRAME_END, pos)
        if end < 0: return None
        if pattern.search(data, pos, end):
            absolute = start + end + len(FRAME_END)
            return next(t for t, e in later if e >= absolute) - after
        pos = end + len(FRAME_END)

def key(b, label, results, page=None):
    time.sleep(0.3)
    t = time.monotonic()
    os.write(fd, b)
    f, l = quiet(t)
    results.setdefault(label, []).append((f, l))
    if page:
        results.setdefault(page, []).append((frame_showing(t, ITEM_TITLE), l))

if '--keys' in flags:
    quiet(time.monotonic())
    res = {}
    for _ in range(reps):
        key(b'j', 'move j', res)
        key(b'\x1b[6~', 'page down', res)
        key(b'2', 'tab 2', res)
        key(b'1', 'tab 1', res)
        key(b'm', 'filter m (marketplace)', res); key(b'm', 'filter m', {}); key(b'm', 'filter m', {})
        key(b'l', 'open detail l', res); key(b'\x1b', 'esc', {}); 
        key(b'r', 'open editor r', res); key(b'\x1b', 'esc', {})
        os.write(fd, b'/'); time.sleep(0.2); os.write(fd, 'плед'.encode()); time.sleep(0.3)
        key(b'\r', 'search плед', res, page='search плед: result page')
        key(b'\x1b', 'leave search', res)
        key(b'g', 'x', {}); key(b'g', 'top gg', res)
    for label, v in res.items():
        fs = [x[0] for x in v if x[0] is not None]; ls = [x[1] for x in v if x[1] is not None]
        if fs:
            print(f'{label:24s} first byte {statistics.median(fs)*1000:7.1f} ms   settled {statistics.median(ls)*1000:7.1f} ms  (n={len(fs)})')
        else:
            print(f'{label:24s} no output')
os.write(fd, b'q')
try:
    os.waitpid(pid, 0)
except ChildProcessError:
    pass
