#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Run a command on a new pseudo-terminal of its own (its controlling terminal and stdio), as a
user at a terminal would, and report what a test compares:

    pty-run.py [--size ROWS COLS] [--when MARKER] [--input TEXT] [--resize ROWS COLS]
               [--stdin-pipe TEXT] -- COMMAND...

--input TEXT (backslash escapes allowed) is typed, and --resize done, once the output shows
MARKER (at once without one). --stdin-pipe gives the command a pipe as stdin, TEXT written to
it. Printed: the output as a Python bytes literal, the exit status, the terminal's mode while
it ran (at MARKER) and whether it was restored afterwards.
"""
import fcntl
import os
import select
import struct
import sys
import termios
import time


def winsize(fd, rows, cols):
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))


def mode(t):
    raw = not (t[3] & (termios.ICANON | termios.ECHO | termios.ISIG)) and not (t[0] & termios.ICRNL)
    return "raw" if raw else "cooked"


def main(argv):
    size, marker, text, resize, pipe_text = (24, 80), b"", None, None, None
    while argv and argv[0] != "--":
        opt = argv.pop(0)
        if opt == "--size":
            size = (int(argv.pop(0)), int(argv.pop(0)))
        elif opt == "--when":
            marker = argv.pop(0).encode()
        elif opt == "--input":
            text = argv.pop(0).encode().decode("unicode_escape").encode("latin-1")
        elif opt == "--resize":
            resize = (int(argv.pop(0)), int(argv.pop(0)))
        elif opt == "--stdin-pipe":
            pipe_text = argv.pop(0).encode().decode("unicode_escape").encode("latin-1")
        else:
            sys.exit("pty-run.py: unknown option " + opt)
    cmd = argv[1:]
    master, slave = os.openpty()
    winsize(slave, *size)
    before = termios.tcgetattr(slave)
    if pipe_text is not None:
        pipe_r, pipe_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(master)
        os.setsid()
        fcntl.ioctl(slave, termios.TIOCSCTTY, 0)
        for fd in (0, 1, 2):
            os.dup2(slave, fd)
        if pipe_text is not None:
            os.dup2(pipe_r, 0)
            os.close(pipe_w)
        os.execvp(cmd[0], cmd)
    if pipe_text is not None:
        os.close(pipe_r)
        os.write(pipe_w, pipe_text)
        os.close(pipe_w)
    out, during, done, status = b"", None, False, None
    deadline = time.time() + 30
    while time.time() < deadline:
        ready = select.select([master], [], [], 0.1)[0]
        if ready:
            try:
                data = os.read(master, 4096)
            except OSError:
                data = b""
            out += data
        if not done and marker in out:
            time.sleep(0.2)  # the runtime has set its terminal up by now
            during = termios.tcgetattr(slave)
            if text is not None:
                os.write(master, text)
            if resize:
                winsize(master, *resize)
            done = True
        if status is None:
            got, st = os.waitpid(pid, os.WNOHANG)
            if got:
                status = os.waitstatus_to_exitcode(st)
        if status is not None and not ready:
            break
    print("output:", repr(out))
    print("status:", status)
    if marker and during:
        print("during:", mode(during))
    print("restored:", "yes" if termios.tcgetattr(slave) == before else "no")


if __name__ == "__main__":
    main(sys.argv[1:])
