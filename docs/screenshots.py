"""Screenshots of a running Townhall demo, for docs/ and the README.

    uv run townhall demo --port 8000 &          # a fresh demo (its logins are printed on start)
    uv run python docs/screenshots.py --base http://127.0.0.1:8000 --out docs/screenshots --prefix after \
        --topic /t/2/how-do-i-remove-the-gradient-from-a-light-polluted-sky/

Signs in as the demo's owner and takes the home page, the first topic of the demo and the members admin
page, at 390 px and 1280 px, in the light and the dark theme, with Debian's Chromium. Prints each file.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
WIDTHS = {"phone": (390, 844), "desktop": (1280, 900)}
PHONE_MAX_HEIGHT = 2400
OWNER = ("owner@example.org", "clear-skies-2025")


def log_in(page: Page, base: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label(re.compile("username or e-?mail|login", re.I)).fill(OWNER[0])
    page.get_by_label(re.compile("^password", re.I)).fill(OWNER[1])
    page.get_by_role("main").get_by_role("button", name=re.compile("sign in|log in", re.I)).click()
    page.wait_for_load_state("networkidle")


def first_topic(page: Page, base: str) -> str:
    page.goto(f"{base}/latest/")
    link = page.locator("a[href^='/t/']").first
    return str(link.get_attribute("href"))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    parser.add_argument("--out", default="docs/screenshots")
    parser.add_argument("--prefix", default="after")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--topic", default="", help="the topic's path (default: the first on Latest)")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=args.chromium, args=CHROMIUM_ARGS)
        for scheme in ("light", "dark"):
            for size, (width, height) in WIDTHS.items():
                context = browser.new_context(
                    viewport={"width": width, "height": height}, color_scheme=scheme, device_scale_factor=1
                )
                page = context.new_page()
                log_in(page, args.base)
                pages = {
                    "home": "/home/",
                    "topic": args.topic or first_topic(page, args.base),
                    "members-admin": "/settings/community/members/",
                }
                for name, path in pages.items():
                    page.goto(f"{args.base}{path}")
                    page.wait_for_load_state("networkidle")
                    target = out / f"{args.prefix}-{name}-{size}-{scheme}.png"
                    if size == "phone":  # the first screens of the page, not a strip too long to read
                        tall = min(page.evaluate("document.documentElement.scrollHeight"), PHONE_MAX_HEIGHT)
                        page.screenshot(
                            path=str(target),
                            full_page=True,
                            clip={"x": 0, "y": 0, "width": width, "height": tall},
                        )
                    else:
                        page.screenshot(path=str(target))
                    print(target)
                context.close()
        browser.close()


if __name__ == "__main__":
    main()
