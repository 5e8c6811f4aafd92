"""Hostile: its notices carry HTML, terminal escapes and invalid UTF-8 (otherwise a working chat)."""
import chatcore

EVIL = "<script>alert('x')</script><img src=x onerror=alert(1)> \x1b[2J\x1b[31mRED\x1b[0m \x07 | `code` **bold** "


def notice(text):
    return text.rstrip("\n").encode() + b" " + EVIL.encode() + b"\xff\xfe\xc3\x28\n"


chatcore.run(notice=notice)
