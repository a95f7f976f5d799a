#!/usr/bin/env python3
"""Saves the image shared under a key as a PNG file.

reader.py attaches to the image another process (the sharedmemory window,
or `shmimage put`) shares under a key, checks it as the sharedmemory
contract v2 says (src/shm/name.h, segment.h), and writes it to OUT.png:
8-bit RGBA with straight alpha, exactly the shared pixels. It is the
contract in a page of Python, standard library only.

The PNG is written as it is compressed, a band of rows at a time from a
read-only mapping of the segment, so memory does not grow with the image;
like `shmimage get` it UP-filters every row and deflates bands on one
thread per processor, here with zlib's run-length strategy. On a terminal
an export that takes more than a second shows its progress on stderr.

Exit status: 0 saved; 1 with one line "reader.py: <reason>" on stderr
(nothing shared, the owner refused or did not answer within 2 s, a bad
segment, an output it cannot write: a half-written file is removed);
2 for a usage error."""
import argparse, collections, concurrent.futures, ctypes, errno, fcntl, mmap, os, re, socket, struct, sys, time, zlib

TMPFS_MAGIC = 0x01021994
NEEDED_SEALS = fcntl.F_SEAL_SHRINK | fcntl.F_SEAL_GROW | fcntl.F_SEAL_WRITE
# magic, version, header_size, width, height, pitch, format, flags,
# owner_pid (a claim, never shown), pixel_bytes, reserved; native order.
HEADER = struct.Struct("=4sHHIII4sIiQ24s")
ATTACH_S = 2.0  # the whole attach: connect, answer, reason

class Refused(Exception): pass  # a reason for the user, one line

def attach(key):
    """The owner's memfd, passed over "\\0sharedmemory/<euid>/<key>"."""
    deadline = time.monotonic() + ATTACH_S  # one deadline for the whole attach
    def left():  # what every blocking call may still wait
        return deadline - time.monotonic()
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM | socket.SOCK_CLOEXEC) as s:
        s.setblocking(False)
        addr = b"\0sharedmemory/%d/%s" % (os.geteuid(), key.encode())
        while (e := s.connect_ex(addr)) == errno.EAGAIN and left() > 0:
            time.sleep(0.002)  # the owner's backlog is full: retry until the deadline
        if e in (errno.ECONNREFUSED, errno.ENOENT):
            raise Refused(f'nothing is shared under key "{key}"')
        if e:
            raise Refused(f"the owner of key {key} is not accepting connections"
                          if e == errno.EAGAIN else f"connect: {os.strerror(e)}")
        pid, uid, _ = struct.unpack("3i", s.getsockopt(
            socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i")))
        if uid != os.geteuid():
            raise Refused(f"the owner of key {key} is another user (uid {uid})")
        msg, fds, flags = b"", [], 0
        try:  # room for two fds, so that a second one is seen, not dropped
            s.settimeout(max(left(), 0.001))
            msg, fds, flags, _ = socket.recv_fds(s, 201, 2, socket.MSG_CMSG_CLOEXEC)
            while msg[:1] == b"E" and len(msg) < 201:
                # The reason comes until EOF, 200 bytes or the deadline:
                # each recv gets only what is left of it, never a fresh 2 s.
                if left() <= 0:
                    break
                s.settimeout(left())
                if not (more := s.recv(201 - len(msg))):
                    break
                msg += more
        except socket.timeout:
            if not msg:
                raise Refused(f"the owner (pid {pid}) did not answer within 2 s")
    if msg[:1] == b"F" and len(fds) == 1 and not flags & socket.MSG_CTRUNC:
        return fds[0]
    for fd in fds:
        os.close(fd)
    if not msg:
        raise Refused(f"the owner (pid {pid}) closed the connection without an answer")
    if msg[:1] == b"E":
        reason = "".join(c for c in msg[1:201].decode("latin-1") if " " <= c <= "~")
        raise Refused(f"the owner (pid {pid}) cannot hand it over: {reason}")
    raise Refused(f"the owner (pid {pid}) sent {msg[:1]!r} with {len(fds)} fds"
                  f"{' (truncated)' if flags & socket.MSG_CTRUNC else ''}")

def check(fd, max_bytes):
    """Every rule of the contract, before a byte is mapped."""
    # Python has no fstatfs: libc's through ctypes. f_type, a long, is the
    # first field of struct statfs (120 bytes on 64-bit Linux).
    buf, libc = ctypes.create_string_buffer(256), ctypes.CDLL(None, use_errno=True)
    if libc.fstatfs(fd, buf) != 0:
        raise Refused("fstatfs: " + os.strerror(ctypes.get_errno()))
    if ctypes.c_long.from_buffer(buf).value != TMPFS_MAGIC:  # hugetlbfs: SIGBUS
        raise Refused("the segment is not on shared memory (tmpfs)")
    try:
        seals = fcntl.fcntl(fd, fcntl.F_GET_SEALS)
    except OSError as e:
        raise Refused(f"not a memfd (F_GET_SEALS: {e.strerror})")
    if seals & NEEDED_SEALS != NEEDED_SEALS:
        raise Refused(f"the segment is not sealed (seals {seals:#x})")
    size = os.fstat(fd).st_size
    if size < HEADER.size:
        raise Refused(f"segment is {size} bytes, smaller than the header")
    magic, ver, hsize, w, h, pitch, fmt, flags, _, pbytes, _ = \
        HEADER.unpack(os.pread(fd, HEADER.size, 0))
    for ok, what in ((magic == b"SHMI", f"magic {magic!r}"),  # ints: no overflow
                     (ver == 2, f"version {ver}, not 2"),
                     (hsize >= 64 and hsize % 64 == 0, f"header_size {hsize}"),
                     (1 <= w <= 16384 and 1 <= h <= 16384, f"size {w} x {h}"),
                     (pitch % 4 == 0 and w * 4 <= pitch <= 65536, f"pitch {pitch}"),
                     (fmt == b"RGBA", f"format {fmt!r}"), (flags == 0, f"flags {flags:#x}"),
                     (pbytes == pitch * h, f"pixel_bytes {pbytes}"),
                     (hsize + pbytes <= size, f"{hsize + pbytes} bytes in {size}")):
        if not ok:
            raise Refused("bad segment header: " + what)
    # A segment larger than its header says pins memory no reader sees.
    if size > hsize + pbytes + mmap.PAGESIZE:
        raise Refused(f"segment is {size} bytes, more than a page beyond the "
                      f"{hsize + pbytes} its header describes")
    if w * h * 4 > max_bytes:
        raise Refused(f"image {w} x {h} is over the limit of {max_bytes} bytes")
    return hsize, w, h, pitch

class Progress:
    """ "reader.py: 42%" on a terminal, once an export has run a second."""
    def __init__(self):
        self.on = os.isatty(2)
        self.start = self.last = time.monotonic()
        self.shown = False
    def __call__(self, done, rows):
        now = time.monotonic()
        if not self.on or now - self.start < 1.0 or now - self.last < 0.1:
            return
        self.last, self.shown = now, True
        sys.stderr.write(f"\rreader.py: {done * 100 // rows}%")
        sys.stderr.flush()
    def end(self):
        if self.shown:
            sys.stderr.write("\r\033[K")
            sys.stderr.flush()

def write_png(f, mm, hsize, w, h, pitch, progress):
    """PNG colour type 6 (RGBA), each row UP-filtered as it is read. The
    rows go in bands of about a MiB to one thread per processor, which
    deflate each band on its own (zlib releases the GIL while it works);
    a sync flush ends every band but the last on a byte boundary, not
    final, so the bands written in order are one deflate stream."""
    def chunk(kind, data):  # written in parts: no copy of data
        f.write(struct.pack(">I", len(data)) + kind)
        f.write(data)
        f.write(struct.pack(">I", zlib.crc32(data, zlib.crc32(kind))))
    def deflate(rows, last):  # on a worker: the band's stream and Adler-32
        z = zlib.compressobj(1, zlib.DEFLATED, -15, 8, zlib.Z_RLE)  # raw deflate
        out, adler = [], 1
        for r in rows:
            out.append(z.compress(r))
            adler = zlib.adler32(r, adler)
        out.append(z.flush(zlib.Z_FINISH if last else zlib.Z_SYNC_FLUSH))
        return b"".join(out), adler, sum(map(len, rows))
    def adler32_join(a, b, n):  # Adler-32 of A + B, from theirs and len(B)
        s1 = ((a & 0xffff) + (b & 0xffff) - 1) % 65521
        s2 = ((a >> 16) + (b >> 16) + n * (a & 0xffff) - n) % 65521
        return s2 << 16 | s1
    def put(band):
        nonlocal adler
        data, a, n = band.result()
        chunk(b"IDAT", data)
        adler = adler32_join(adler, a, n)
    f.write(b"\x89PNG\r\n\x1a\n")
    chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 6, 0, 0, 0))
    n = w * 4
    # UP: each byte minus the byte above, mod 256, a whole row at once in
    # one big integer (SWAR: the top bit of each byte kept out of the
    # borrow chain, then put back).
    hi = int.from_bytes(b"\x80" * n, "little")
    lo = int.from_bytes(b"\x7f" * n, "little")
    above, above_raw, zeros = 0, None, b"\2" + bytes(n)
    band = max((1 << 20) // (n + 1), 1)
    workers = os.cpu_count() or 1
    adler, pending = 1, collections.deque()
    chunk(b"IDAT", b"\x78\x01")  # the zlib header: deflate, 32 KiB window
    with concurrent.futures.ThreadPoolExecutor(workers) as pool:
        for y0 in range(0, h, band):
            rows = []
            for y in range(y0, min(y0 + band, h)):
                off = hsize + y * pitch
                raw = mm[off:off + n]  # width * 4 bytes: the pitch tail stays unread
                if raw == above_raw:  # flat areas: no arithmetic, a row of zeros
                    rows.append(zeros)
                    continue
                x = int.from_bytes(raw, "little")
                d = (((x | hi) - (above & lo)) ^ (((x ^ above) & hi) ^ hi)).to_bytes(n, "little")
                rows.append(b"\2" + d)
                above, above_raw = x, raw
            pending.append(pool.submit(deflate, rows, y0 + band >= h))
            while len(pending) > 2 * workers or (pending and pending[0].done()):
                put(pending.popleft())
            progress(y0, h)
        while pending:
            put(pending.popleft())
    chunk(b"IDAT", struct.pack(">I", adler))
    chunk(b"IEND", b"")

def parse_args():
    doc = __doc__.split("\n\n")
    p = argparse.ArgumentParser(
        prog="reader.py", description="\n\n".join(doc[:3]), epilog=doc[3],
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--key", default="SharedMemoryExample",
                   help="the key the image is shared under: 1-64 characters "
                        "of A-Z a-z 0-9 . _ - (default %(default)s)")
    p.add_argument("--max-bytes", default="256M", metavar="N[K|M|G]",
                   help="refuse an image of more than N bytes of RGBA pixels "
                        "(width x height x 4; default %(default)s)")
    p.add_argument("out", metavar="OUT.png",
                   help="the PNG file to write (created or replaced); the "
                        "name must end in .png")
    a = p.parse_args()
    m = re.fullmatch(r"([1-9][0-9]*)([kKmMgG]?)", a.max_bytes)
    if not re.fullmatch(r"[A-Za-z0-9._-]{1,64}", a.key) or not m:
        p.error("a key is 1-64 of [A-Za-z0-9._-]; --max-bytes is N[K|M|G], N > 0")
    shift = {"": 0, "k": 10, "m": 20, "g": 30}[m[2].lower()]
    return a.key, int(m[1]) << shift, a.out

def main():
    key, max_bytes, out = parse_args()
    try:
        if not out.lower().endswith(".png"):  # as `shmimage get` refuses .jpg
            raise Refused(f"{out}: the output name must end in .png")
        fd = attach(key)
        try:
            hsize, w, h, pitch = check(fd, max_bytes)
            with mmap.mmap(fd, hsize + pitch * h, mmap.MAP_SHARED, mmap.PROT_READ) as mm:
                progress = Progress()
                f = open(out, "wb")
                try:
                    with f:
                        write_png(f, mm, hsize, w, h, pitch, progress)
                except BaseException:
                    try:
                        os.unlink(out)  # no half image left behind
                    except OSError:
                        pass
                    raise
                finally:
                    progress.end()
        finally:
            os.close(fd)
    except (Refused, OSError) as e:
        if isinstance(e, OSError):
            e = f"{e.filename}: {e.strerror}" if e.filename else e.strerror
        sys.exit(f"reader.py: {e}")

if __name__ == "__main__":
    main()
