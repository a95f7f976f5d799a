#!/usr/bin/env python3
"""reader.py [--key K] [--max-bytes N[K|M|G]] OUT.png: saves the image shared under
a key. The sharedmemory contract v2 (src/shm/name.h, segment.h) in a page, stdlib
only. PNG, as any viewer opens it and zlib + struct write it (8-bit RGBA, straight
alpha, as the segment). Exit 0, or 1 with one line "reader.py: <reason>", 2 usage."""
import argparse, ctypes, errno, fcntl, mmap, os, re, socket, struct, sys, time, zlib

TMPFS_MAGIC = 0x01021994
NEEDED_SEALS = fcntl.F_SEAL_SHRINK | fcntl.F_SEAL_GROW | fcntl.F_SEAL_WRITE
# magic, version, header_size, width, height, pitch, format, flags,
# owner_pid (a claim, never shown), pixel_bytes, reserved; native order.
HEADER = struct.Struct("=4sHHIII4sIiQ24s")

class Refused(Exception): pass  # a reason for the user, one line

def attach(key):
    """The owner's memfd, passed over "\\0sharedmemory/<euid>/<key>"."""
    deadline = time.monotonic() + 2.0  # one deadline for the whole attach
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM | socket.SOCK_CLOEXEC) as s:
        s.setblocking(False)
        addr = b"\0sharedmemory/%d/%s" % (os.geteuid(), key.encode())
        while (e := s.connect_ex(addr)) == errno.EAGAIN and time.monotonic() < deadline:
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
        s.settimeout(max(deadline - time.monotonic(), 0.001))
        msg = b""
        try:  # room for two fds, so that a second one is seen, not dropped
            msg, fds, flags, _ = socket.recv_fds(s, 201, 2, socket.MSG_CMSG_CLOEXEC)
            while msg[:1] == b"E" and len(msg) < 201 and (more := s.recv(201 - len(msg))):
                msg += more  # the reason comes until EOF, 200 bytes or the deadline
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
                     (hsize + pbytes <= size, f"{hsize + pbytes} bytes in {size}"),
                     # more would pin memory no reader can see or account for
                     (size <= hsize + pbytes + mmap.PAGESIZE,
                      f"{size} bytes, over one page beyond {hsize + pbytes}")):
        if not ok:
            raise Refused("bad segment header: " + what)
    if w * h * 4 > max_bytes:
        raise Refused(f"image {w} x {h} is over the limit of {max_bytes} bytes")
    return hsize, w, h, pitch

def png(w, h, rows):  # colour type 6: RGBA; filter 0 before each row
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    ihdr = struct.pack(">IIBBBBB", w, h, 8, 6, 0, 0, 0)
    idat = zlib.compress(b"".join(b"\0" + r for r in rows))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")

def main():
    p = argparse.ArgumentParser(prog="reader.py")
    p.add_argument("--key", default="SharedMemoryExample")
    p.add_argument("--max-bytes", default="256M")
    p.add_argument("out")
    a = p.parse_args()
    m = re.fullmatch(r"([1-9][0-9]*)([kKmMgG]?)", a.max_bytes)
    if not re.fullmatch(r"[A-Za-z0-9._-]{1,64}", a.key) or not m:
        p.error("a key is 1-64 of [A-Za-z0-9._-]; --max-bytes is N[K|M|G], N > 0")
    try:
        fd = attach(a.key)
        try:
            shift = {"": 0, "k": 10, "m": 20, "g": 30}[m[2].lower()]
            hsize, w, h, pitch = check(fd, int(m[1]) << shift)
            with mmap.mmap(fd, hsize + pitch * h, mmap.MAP_SHARED, mmap.PROT_READ) as mm:
                # Only width * 4 bytes of each row: the pitch tail stays unread.
                rows = [mm[hsize + y * pitch:hsize + y * pitch + w * 4] for y in range(h)]
        finally:
            os.close(fd)
        data = png(w, h, rows)
        with open(a.out, "wb") as f:
            f.write(data)
    except (Refused, OSError) as e:
        if isinstance(e, OSError):
            e = f"{e.filename}: {e.strerror}" if e.filename else e.strerror
        sys.exit(f"reader.py: {e}")

if __name__ == "__main__":
    main()
