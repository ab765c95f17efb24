"""Accessibility checks in the real browser: axe-core (from npm, ``scripts/install-axe.sh``),
the focus indicator of each control, and results written where a reviewer can read them.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
AXE = ROOT / ".cache" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
#: Impacts that fail a test; "minor" and "moderate" findings are reported, not failed.
BLOCKING = ("serious", "critical")
MIN_FOCUS_WIDTH_PX = 2.0
MIN_FOCUS_CONTRAST = 3.0


def require_axe() -> None:
    """Skip (or, when the CI variable is set, fail) unless axe-core is installed."""
    if AXE.exists():
        return
    message = (
        f"axe-core is missing at {AXE.relative_to(ROOT)}; run `bash scripts/install-axe.sh` "
        "(make test does) to install it from the npm registry"
    )
    if os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no"):
        pytest.fail(message + " (CI is set, so this is a failure, not a skip)")
    pytest.skip(message)


_RUN_AXE = """async (element) => {
  const result = await axe.run(element, {resultTypes: ['violations', 'passes']});
  return {
    passes: result.passes.length,
    violations: result.violations.map(v => ({
      id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5),
    })),
  };
}"""


def run_axe(page: Any, element: Any | None = None) -> dict[str, Any]:
    """Run axe-core on ``element`` (default: the whole document); returns the number of
    passed rules and every violation with its impact."""
    if not page.evaluate("typeof axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    target = element if element is not None else page.locator("html").element_handle()
    result: dict[str, Any] = page.evaluate(_RUN_AXE, target)
    return result


def blocking(result: dict[str, Any]) -> list[dict[str, Any]]:
    """The serious and critical violations of an axe result."""
    return [v for v in result["violations"] if v["impact"] in BLOCKING]


_FOCUS_RING = """() => {
  const el = document.activeElement;
  const rgba = (text) => {
    const m = text.match(/rgba?\\(([^)]+)\\)/);
    if (!m) return null;
    const p = m[1].split(',').map(Number);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
  };
  const luminance = ([r, g, b]) => {
    const c = [r, g, b].map(v => { v /= 255;
      return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
  };
  let node = el.parentElement, background = [255, 255, 255, 1];
  while (node) {
    const colour = rgba(getComputedStyle(node).backgroundColor);
    if (colour && colour[3] > 0.99) { background = colour; break; }
    node = node.parentElement;
  }
  const style = getComputedStyle(el);
  const ring = rgba(style.outlineColor);
  const [hi, lo] = [luminance(ring), luminance(background)].sort((a, b) => b - a);
  return {
    tag: el.tagName.toLowerCase(),
    name: (el.getAttribute('title') || el.textContent || '').trim().slice(0, 40),
    classes: el.className,
    style: style.outlineStyle,
    width: parseFloat(style.outlineWidth),
    colour: style.outlineColor,
    background: `rgb(${background.slice(0, 3).join(', ')})`,
    contrast: (hi + 0.05) / (lo + 0.05),
  };
}"""


def focus_ring(page: Any) -> dict[str, Any]:
    """The focus indicator of the focused element: outline style, width (px), colour, the
    background it is drawn on and their contrast ratio (WCAG formula)."""
    ring: dict[str, Any] = page.evaluate(_FOCUS_RING)
    return ring


def ring_problem(ring: dict[str, Any]) -> str | None:
    """Why a focus indicator is not good enough, or None when it is (>= 2 px, >= 3:1)."""
    if ring["style"] in ("none", "hidden") or ring["width"] < MIN_FOCUS_WIDTH_PX:
        return f"{ring['tag']} {ring['name']!r}: focus outline {ring['style']} {ring['width']}px"
    if ring["contrast"] < MIN_FOCUS_CONTRAST:
        return (
            f"{ring['tag']} {ring['name']!r}: focus outline {ring['colour']} on "
            f"{ring['background']} has contrast {ring['contrast']:.2f}:1"
        )
    return None


def write_report(name: str, data: object, folder: Path) -> Path:
    """Keep ``data`` as JSON in ``folder`` for a reviewer; returns the file's path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.json"
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")
    return path
