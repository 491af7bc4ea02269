#!/usr/bin/env python3
"""Checks a covenant report page with Python's own HTML parser: every element opened is
closed in order (void elements aside), and nothing in it refers outside the page (no
scripts, no src or href attributes, no URLs). Exit 0 when it holds, 1 with the reason."""
import sys
from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}


class Checker(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.open = []
        self.errors = []
        self.tags = 0

    def handle_starttag(self, tag, attrs):
        self.tags += 1
        if tag == "script":
            self.errors.append(f"a script at line {self.getpos()[0]}")
        for name, value in attrs:
            if name in ("src", "href", "srcset", "xlink:href", "action", "data") or \
                    (value and ("http:" in value or "https:" in value)):
                self.errors.append(f"<{tag} {name}=...> at line {self.getpos()[0]}")
        if tag not in VOID:
            self.open.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.tags += 1

    def handle_endtag(self, tag):
        if not self.open or self.open[-1] != tag:
            top = self.open[-1] if self.open else "nothing"
            self.errors.append(f"</{tag}> closes <{top}> at line {self.getpos()[0]}")
            return
        self.open.pop()


def main():
    text = open(sys.argv[1], encoding="utf-8").read()
    checker = Checker()
    checker.feed(text)
    checker.close()
    if checker.open:
        checker.errors.append(f"never closed: {checker.open}")
    for banned in ("http://", "https://", "url(", "@import"):
        if banned in text:
            checker.errors.append(f"refers outside the page: {banned}")
    if checker.tags < 100:
        checker.errors.append(f"only {checker.tags} tags")
    if checker.errors:
        print("\n".join(checker.errors))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
