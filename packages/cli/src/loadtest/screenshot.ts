/**
 * Opens a load-test HTML report in headless Chromium (Debian's `chromium` package, driven by
 * playwright-core), waits for the charts, measures what each chart canvas drew and saves a
 * screenshot. With no network: the report must be self-contained.
 *
 *   npx tsx src/loadtest/screenshot.ts report/loadtest.html bench/report-screenshot.png
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadOptional } from '../peers.js';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface CanvasInk {
  width: number;
  height: number;
  /** Pixels drawn at all (alpha > 0): axes, grid, series. */
  drawn: number;
  /** Saturated pixels: only the series' colours (axes and grid are grey). */
  colored: number;
}

export interface ScreenshotResult {
  canvases: CanvasInk[];
  /** Requests the page tried to make to anything but file: and data: URLs. */
  networkRequests: string[];
  /** Errors thrown by the page's scripts. */
  pageErrors: string[];
  /** The verdict as rendered (its text, and its top edge against the first chart's, in CSS pixels); null when absent. */
  verdict: { text: string; top: number; firstChartTop: number } | null;
}

/** The few browser globals used below (the project compiles without the DOM library). */
interface BrowserCanvas {
  width: number;
  height: number;
  getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } | null;
}
interface BrowserElement {
  innerText: string;
  getBoundingClientRect(): { top: number };
}
interface BrowserGlobals {
  __reportReady?: boolean;
  document: { querySelectorAll(selector: string): ArrayLike<BrowserCanvas>; querySelector(selector: string): BrowserElement | null };
}

export function chromiumAvailable(): boolean {
  return existsSync(CHROMIUM);
}

export async function screenshotReport(htmlFile: string, pngFile: string, viewport = { width: 1280, height: 1000 }): Promise<ScreenshotResult> {
  const { chromium } = await loadOptional('playwright-core', () => import('playwright-core'));
  // A fresh profile each time (playwright passes it as --user-data-dir).
  const profile = await mkdtemp(path.join(os.tmpdir(), 'warmpool-chromium-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true, viewport });
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    const networkRequests: string[] = [];
    const pageErrors: string[] = [];
    page.on('pageerror', (err) => pageErrors.push(String(err)));
    await page.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith('file:') || url.startsWith('data:')) return route.continue();
      networkRequests.push(url);
      return route.abort();
    });
    await page.goto(pathToFileURL(path.resolve(htmlFile)).href);
    await page.waitForFunction(() => (globalThis as unknown as BrowserGlobals).__reportReady === true, undefined, { timeout: 15_000 });
    const canvases = await page.evaluate(() =>
      Array.from((globalThis as unknown as BrowserGlobals).document.querySelectorAll('canvas')).map((canvas) => {
        const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
        let drawn = 0;
        let colored = 0;
        for (let i = 0; i < data.length; i += 4) {
          if (data[i + 3] === 0) continue;
          drawn++;
          const max = Math.max(data[i], data[i + 1], data[i + 2]);
          const min = Math.min(data[i], data[i + 1], data[i + 2]);
          if (max - min > 60) colored++;
        }
        return { width: canvas.width, height: canvas.height, drawn, colored };
      }),
    );
    const verdict = await page.evaluate(() => {
      const { document } = globalThis as unknown as BrowserGlobals;
      const box = document.querySelector('#verdict');
      const chart = document.querySelector('.chart');
      return box && chart ? { text: box.innerText, top: box.getBoundingClientRect().top, firstChartTop: chart.getBoundingClientRect().top } : null;
    });
    await page.screenshot({ path: pngFile, fullPage: true });
    return { canvases, networkRequests, pageErrors, verdict };
  } finally {
    await context.close();
    await rm(profile, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [html, png] = process.argv.slice(2);
  if (!html || !png) {
    console.error('usage: tsx src/loadtest/screenshot.ts <report.html> <out.png>');
    process.exit(2);
  }
  const result = await screenshotReport(html, png);
  console.log(JSON.stringify(result, null, 2));
}
