"""What a terminal would display for a stream of program output.

Student programs colour their output (ANSI SGR, colorama, termcolor), clear
the screen, move the cursor and rewrite the input line with ``\\r``.  Matching
must see what a person sees ("Bob joined", not "\\x1b[32mBob joined\\x1b[0m");
transcripts keep the raw bytes.  One pure function, used by the screen
reading and by the lab's matching rules alike.
"""

import re

# CSI (ESC [ params final), OSC (ESC ] ... BEL or ESC \), and two-byte escapes.
_ESCAPE = re.compile(r"\x1b\[([0-?]*)[ -/]*([@-~])"          # CSI
                     r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"    # OSC
                     r"|\x1b[@-Z\\-_]|\x9b[0-?]*[ -/]*[@-~]")  # two-byte escapes, 8-bit CSI
# Escapes that move to another place on the screen: what follows is a new line to a reader.
_NEW_PLACE = set("ABEFHfJ")


def displayed(text):
    """``text`` as a terminal shows it, line by line: escapes interpreted or dropped, ``\\r`` and ``\\b`` applied.

    Colours vanish; erase-line clears the current line; clear-screen and
    cursor moves to another row start a new line (a stream has no rows to
    go back to, and what was shown before stays in the record); a carriage
    return lets what follows overwrite the line from its start.
    """
    if "\x1b" not in text and "\r" not in text and "\b" not in text and "\x9b" not in text:
        return text
    lines, line, col = [], [], 0

    def write(chunk):
        nonlocal col
        for char in chunk:
            if char == "\n":
                lines.append("".join(line))
                line.clear()
                col = 0
            elif char == "\r":
                col = 0
            elif char == "\b":
                col = max(0, col - 1)
            elif char < " " and char != "\t":
                continue
            else:
                if col < len(line):
                    line[col] = char
                else:
                    line.append(char)
                col += 1

    position = 0
    for match in _ESCAPE.finditer(text):
        write(text[position:match.start()])
        position = match.end()
        final, params = match.group(2), match.group(1) or ""
        if final == "K":  # erase in line: 0 to the end, 1 to the start, 2 all
            if params in ("", "0"):
                del line[col:]
            elif params == "2":
                line.clear()
                col = 0
            else:
                for i in range(min(col, len(line))):
                    line[i] = " "
        elif final in _NEW_PLACE and line:
            write("\n")
        elif final == "G":  # cursor to column N (1-based)
            col = max(0, int(params.split(";")[0] or 1) - 1)
    write(text[position:])
    lines.append("".join(line))
    return "\n".join(lines)
