#!/usr/bin/env python3
"""Turns `tmux capture-pane -e -p` output (text with ANSI SGR colour codes) into a standalone HTML
page: one <pre> of coloured spans on a dark background. Used by scripts/screenshots.sh.

usage: ansi2html.py IN.ansi OUT.html [TITLE]
"""
import html
import re
import sys

BASE = ["#1d1f21", "#cc6666", "#8ec07c", "#f0c674", "#81a2be", "#b294bb", "#8abeb7", "#c5c8c6"]
BRIGHT = ["#707880", "#ff7b7b", "#b5e08c", "#ffe08a", "#a3c4e0", "#d7b8e0", "#a8e0d8", "#ffffff"]
FG, BG = "#d8dee9", "#16181d"


def xterm256(n):
    if n < 8:
        return BASE[n]
    if n < 16:
        return BRIGHT[n - 8]
    if n < 232:
        n -= 16
        steps = [0, 95, 135, 175, 215, 255]
        return "#%02x%02x%02x" % (steps[n // 36], steps[(n // 6) % 6], steps[n % 6])
    v = 8 + 10 * (n - 232)
    return "#%02x%02x%02x" % (v, v, v)


class Style:
    def __init__(self):
        self.reset()

    def reset(self):
        self.fg = self.bg = None
        self.bold = self.dim = self.italic = self.under = self.reverse = self.strike = False

    def apply(self, codes):
        i = 0
        while i < len(codes):
            c = codes[i]
            if c == 0:
                self.reset()
            elif c == 1:
                self.bold = True
            elif c == 2:
                self.dim = True
            elif c == 3:
                self.italic = True
            elif c == 4:
                self.under = True
            elif c == 7:
                self.reverse = True
            elif c == 9:
                self.strike = True
            elif c == 22:
                self.bold = self.dim = False
            elif c == 23:
                self.italic = False
            elif c == 24:
                self.under = False
            elif c == 27:
                self.reverse = False
            elif c == 29:
                self.strike = False
            elif 30 <= c <= 37:
                self.fg = BASE[c - 30]
            elif 90 <= c <= 97:
                self.fg = BRIGHT[c - 90]
            elif 40 <= c <= 47:
                self.bg = BASE[c - 40]
            elif 100 <= c <= 107:
                self.bg = BRIGHT[c - 100]
            elif c == 39:
                self.fg = None
            elif c == 49:
                self.bg = None
            elif c in (38, 48) and i + 1 < len(codes):
                if codes[i + 1] == 5 and i + 2 < len(codes):
                    colour = xterm256(codes[i + 2])
                    i += 2
                elif codes[i + 1] == 2 and i + 4 < len(codes):
                    colour = "#%02x%02x%02x" % tuple(codes[i + 2:i + 5])
                    i += 4
                else:
                    colour = None
                if c == 38:
                    self.fg = colour
                else:
                    self.bg = colour
            i += 1

    def css(self):
        fg, bg = self.fg or FG, self.bg or BG
        if self.reverse:
            fg, bg = bg, fg
        parts = ["color:" + fg]
        if bg != BG:
            parts.append("background:" + bg)
        if self.bold:
            parts.append("font-weight:bold")
        if self.dim:
            parts.append("opacity:0.6")
        if self.italic:
            parts.append("font-style:italic")
        deco = [d for d, on in (("underline", self.under), ("line-through", self.strike)) if on]
        if deco:
            parts.append("text-decoration:" + " ".join(deco))
        return ";".join(parts)


def convert(text):
    style = Style()
    out = []
    for chunk in re.split(r"(\x1b\[[0-9;]*m)", text):
        m = re.fullmatch(r"\x1b\[([0-9;]*)m", chunk)
        if m:
            codes = [int(x) if x else 0 for x in m.group(1).split(";")] if m.group(1) else [0]
            style.apply(codes)
        elif chunk:
            out.append('<span style="%s">%s</span>' % (style.css(), cells(chunk)))
    return "".join(out)


def cells(text):
    """Escapes `text`; Braille patterns (the chart's line), which the monospace font lacks, each
    get a cell exactly one column wide so the fallback font cannot shift the rest of the row."""
    return re.sub(
        "([\u2800-\u28ff])",
        r'<span style="display:inline-block;width:1ch">\1</span>',
        html.escape(text),
    )


def main():
    src, dst = sys.argv[1], sys.argv[2]
    title = sys.argv[3] if len(sys.argv) > 3 else "whyrec"
    with open(src, encoding="utf-8", errors="replace") as f:
        body = convert(f.read().rstrip("\n"))
    page = f"""<!doctype html><html><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>html,body{{margin:0;background:{BG}}}
pre{{margin:0;padding:12px;font:14px/17px 'DejaVu Sans Mono',monospace;color:{FG}}}</style>
</head><body><pre>{body}</pre></body></html>"""
    with open(dst, "w", encoding="utf-8") as f:
        f.write(page)


if __name__ == "__main__":
    main()
