"""Pictures for the tests that look at what nj shows a person: headless
Chromium's screenshot of a page, decoded with zlib and struct alone (8-bit
RGB or RGBA, not interlaced: what Chromium writes)."""
import os
import shutil
import struct
import subprocess
import tempfile
import zlib


def chromium():
    """The Chromium binary, or None."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        p = shutil.which(name)
        if p:
            return p
    return None


def screenshot(html_path, width, height, timeout=120):
    """(png bytes, None), or (None, why Chromium could not make one)."""
    exe = chromium()
    if not exe:
        return None, ("chromium is not installed (apt-get install chromium; "
                      ".ci/run installs it)")
    out_dir = tempfile.mkdtemp(prefix="nj-shot-")
    try:
        png = os.path.join(out_dir, "shot.png")
        cmd = [exe, "--headless", "--disable-gpu", "--hide-scrollbars",
               "--force-device-scale-factor=1", "--no-first-run",
               "--user-data-dir=" + os.path.join(out_dir, "profile"),
               "--window-size=%d,%d" % (width, height),
               "--screenshot=" + png, "file://" + os.path.abspath(html_path)]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            cmd.insert(1, "--no-sandbox")  # Chromium refuses root otherwise
        try:
            r = subprocess.run(cmd, stdin=subprocess.DEVNULL,
                               capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            return None, "%s took more than %ds to take a screenshot" % (
                exe, timeout)
        if r.returncode != 0 or not os.path.exists(png):
            tail = [l for l in r.stderr.splitlines() if l.strip()][-3:]
            return None, "%s made no screenshot (exit %d): %s" % (
                exe, r.returncode, " | ".join(tail))
        with open(png, "rb") as f:
            return f.read(), None
    finally:
        shutil.rmtree(out_dir, True)


class Image:
    def __init__(self, width, height, rows, channels):
        self.width, self.height = width, height
        self.rows, self.channels = rows, channels

    def pixel(self, x, y):
        """(r, g, b) at integer x, y."""
        row, c = self.rows[y], self.channels
        return tuple(row[x * c:x * c + 3])


def _paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def decode(data):
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    pos, idat, hdr = 8, [], None
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        pos += 12 + n
        if kind == b"IHDR":
            hdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
    w, h, depth, ctype, _, _, interlace = hdr
    if depth != 8 or ctype not in (2, 6) or interlace:
        raise ValueError("PNG kind not handled: depth %d, colour type %d, "
                         "interlace %d" % (depth, ctype, interlace))
    c = 3 if ctype == 2 else 4
    raw = zlib.decompress(b"".join(idat))
    stride = w * c
    rows, prev = [], bytearray(stride)
    i = 0
    for _ in range(h):
        f = raw[i]
        cur = bytearray(raw[i + 1:i + 1 + stride])
        i += 1 + stride
        if f == 1:
            for x in range(c, stride):
                cur[x] = (cur[x] + cur[x - c]) & 255
        elif f == 2:
            for x in range(stride):
                cur[x] = (cur[x] + prev[x]) & 255
        elif f == 3:
            for x in range(stride):
                left = cur[x - c] if x >= c else 0
                cur[x] = (cur[x] + ((left + prev[x]) >> 1)) & 255
        elif f == 4:
            for x in range(stride):
                left = cur[x - c] if x >= c else 0
                ul = prev[x - c] if x >= c else 0
                cur[x] = (cur[x] + _paeth(left, prev[x], ul)) & 255
        rows.append(cur)
        prev = cur
    return Image(w, h, rows, c)
