// make mermaid-check: render kvet's Mermaid diagrams with the pinned Mermaid
// (package.json, package-lock.json) in headless Debian Chromium, and fail
// when Mermaid reports a parse or render error, when no SVG appears, or when
// the SVG has fewer nodes than the diagram declares.
//
// usage: node check.mjs [--chromium PATH] [--screenshot FILE] INPUT...
// An INPUT ending in .mmd is one diagram; any other INPUT is Markdown whose
// ```mermaid blocks are the diagrams (a Markdown file without one fails:
// the picture was expected).
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { chromium } from "playwright-core";

const require = createRequire(import.meta.url);

function parseArgs(argv) {
  const opts = { chromium: "/usr/bin/chromium", screenshot: "", inputs: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--chromium") opts.chromium = argv[++i];
    else if (a === "--screenshot") opts.screenshot = argv[++i];
    else if (a.startsWith("--")) throw new Error(`unknown flag ${a}`);
    else opts.inputs.push(a);
  }
  if (opts.inputs.length === 0) throw new Error("no INPUT: usage: node check.mjs [--chromium PATH] [--screenshot FILE] INPUT...");
  return opts;
}

// diagramsOf returns the diagrams of one input file, named for messages.
function diagramsOf(file) {
  const text = readFileSync(file, "utf8");
  if (file.endsWith(".mmd")) return [{ name: basename(file), text }];
  const out = [];
  for (const m of text.matchAll(/^```mermaid\n([\s\S]*?)^```$/gm)) {
    out.push({ name: `${basename(file)} #${out.length + 1}`, text: m[1] });
  }
  if (out.length === 0) throw new Error(`${file}: no mermaid block`);
  return out;
}

// declaredNodes counts the node declarations kvet writes ("  n12[...").
function declaredNodes(text) {
  return text.split("\n").filter((l) => /^ {2}n\d+[[({]/.test(l)).length;
}

let opts, diagrams;
try {
  opts = parseArgs(process.argv.slice(2));
  diagrams = opts.inputs.flatMap(diagramsOf);
} catch (e) {
  console.error(`mermaid-check: ${e.message}`);
  process.exit(2);
}
// Flags of a quiet, sandbox-free headless run in a container; Playwright
// adds --headless and its own automation flags.
const args = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
const profile = mkdtempSync(join(tmpdir(), "kvet-mermaid-"));
let failed = 0;
try {
  // A persistent context on a fresh directory is Chromium's --user-data-dir.
  const context = await chromium.launchPersistentContext(profile, { executablePath: opts.chromium, headless: true, args });
  const page = context.pages()[0] ?? (await context.newPage());
  const consoleErrors = [];
  page.on("console", (m) => m.type() === "error" && consoleErrors.push(m.text()));
  page.on("pageerror", (e) => consoleErrors.push(String(e)));
  await page.setContent("<!doctype html><html><body style='background:#fff'><main id='out'></main></body></html>");
  await page.addScriptTag({ path: require.resolve("mermaid/dist/mermaid.min.js") });
  console.log(`mermaid ${require("mermaid/package.json").version} in ${opts.chromium}`);
  // GitHub draws with Mermaid's default theme, or its dark theme for
  // readers in dark mode: both, on GitHub's page backgrounds.
  for (const [theme, background] of [["default", "#ffffff"], ["dark", "#0d1117"]]) {
    await page.evaluate((theme) => {
      // GitHub renders with securityLevel strict; errors must throw, not
      // become a picture of the error.
      window.mermaid.initialize({ startOnLoad: false, theme, securityLevel: "strict", suppressErrorRendering: true });
    }, theme);
    for (const [i, d] of diagrams.entries()) {
      const name = `${d.name} (${theme})`;
      const res = await page.evaluate(
        async ({ id, name, text, background }) => {
          try {
            await window.mermaid.parse(text);
            const { svg } = await window.mermaid.render(id, text);
            const box = document.createElement("section");
            box.style.background = background;
            box.style.color = background === "#ffffff" ? "#1f2328" : "#e6edf3";
            box.innerHTML = `<h3 style="font-family:sans-serif">${name.replace(/</g, "&lt;")}</h3>${svg}`;
            document.getElementById("out").append(box);
            const el = box.querySelector("svg");
            return { ok: !!el, nodes: el ? el.querySelectorAll("g.node").length : 0, edges: el ? el.querySelectorAll("g.edgeLabel").length : 0 };
          } catch (e) {
            return { ok: false, error: String(e?.message ?? e) };
          }
        },
        { id: `d${theme}${i}`, name, text: d.text, background },
      );
      const want = declaredNodes(d.text);
      if (!res.ok) {
        failed++;
        console.error(`FAIL ${name}: ${res.error ?? "no SVG"}`);
      } else if (res.nodes < want) {
        failed++;
        console.error(`FAIL ${name}: ${res.nodes} nodes drawn, ${want} declared`);
      } else {
        console.log(`ok   ${name}: ${res.nodes} nodes, ${res.edges} edge labels`);
      }
    }
  }
  if (consoleErrors.length > 0) {
    failed++;
    console.error(`FAIL the page logged errors:\n  ${consoleErrors.join("\n  ")}`);
  }
  if (opts.screenshot) {
    await page.screenshot({ path: opts.screenshot, fullPage: true });
    console.log(`screenshot: ${opts.screenshot}`);
  }
  await context.close();
} finally {
  rmSync(profile, { recursive: true, force: true });
}
if (failed > 0) {
  console.error(`mermaid-check: ${failed} failures rendering ${diagrams.length} diagrams in 2 themes`);
  process.exit(1);
}
console.log(`mermaid-check: ${diagrams.length} diagrams rendered in 2 themes`);
