// A small bitmap font for the text of the PNG pictures (titles, labels, ticks): printable
// ASCII and the few other characters the demo's titles use (× − –). Drawn pixel by pixel into
// a Raster, so a PNG carries its own words with no font file or canvas. Internal.
import { DiaboloError } from '../base/errors.js';
import type { Raster } from './raster.js';

/**
 * Each glyph: its rows from the top, `#` for ink and `.` for paper, separated by spaces. Rows
 * 0–6 stand on the baseline (capitals fill all seven, lower case rows 2–6); rows 7–8 hang
 * below it (g, j, p, q, y, comma). A glyph is as wide as its rows: 5 columns for most, fewer
 * for i, l, punctuation.
 */
export const GLYPHS: ReadonlyArray<readonly [string, string]> = [
  [' ', '... ... ... ... ... ... ...'],
  ['!', '# # # # # . #'],
  ['"', '#.# #.# ... ... ... ... ...'],
  ['#', '.#.#. .#.#. ##### .#.#. ##### .#.#. .#.#.'],
  ['$', '..#.. .#### #.#.. .###. ..#.# ####. ..#..'],
  ['%', '##..# ##..# ...#. ..#.. .#... #..## #..##'],
  ['&', '.##.. #..#. #.#.. .#... #.#.# #..#. .##.#'],
  ["'", '# # . . . . .'],
  ['(', '..# .#. #.. #.. #.. .#. ..#'],
  [')', '#.. .#. ..# ..# ..# .#. #..'],
  ['*', '..... ..#.. #.#.# .###. #.#.# ..#.. .....'],
  ['+', '..... ..#.. ..#.. ##### ..#.. ..#.. .....'],
  [',', '.. .. .. .. .. .# .# #.'],
  ['-', '.... .... .... #### .... .... ....'],
  ['.', '. . . . . . #'],
  ['/', '....# ....# ...#. ..#.. .#... #.... #....'],
  ['0', '.###. #...# #..## #.#.# ##..# #...# .###.'],
  ['1', '..#.. .##.. ..#.. ..#.. ..#.. ..#.. .###.'],
  ['2', '.###. #...# ....# ...#. ..#.. .#... #####'],
  ['3', '##### ...#. ..#.. ...#. ....# #...# .###.'],
  ['4', '...#. ..##. .#.#. #..#. ##### ...#. ...#.'],
  ['5', '##### #.... ####. ....# ....# #...# .###.'],
  ['6', '..##. .#... #.... ####. #...# #...# .###.'],
  ['7', '##### ....# ...#. ..#.. .#... .#... .#...'],
  ['8', '.###. #...# #...# .###. #...# #...# .###.'],
  ['9', '.###. #...# #...# .#### ....# ...#. .##..'],
  [':', '. . # . . # .'],
  [';', '.. .. .# .. .. .# .# #.'],
  ['<', '...# ..#. .#.. #... .#.. ..#. ...#'],
  ['=', '..... ..... ##### ..... ##### ..... .....'],
  ['>', '#... .#.. ..#. ...# ..#. .#.. #...'],
  ['?', '.###. #...# ....# ...#. ..#.. ..... ..#..'],
  ['@', '.###. #...# #.### #.#.# #.### #.... .####'],
  ['A', '.###. #...# #...# ##### #...# #...# #...#'],
  ['B', '####. #...# #...# ####. #...# #...# ####.'],
  ['C', '.###. #...# #.... #.... #.... #...# .###.'],
  ['D', '####. #...# #...# #...# #...# #...# ####.'],
  ['E', '##### #.... #.... ####. #.... #.... #####'],
  ['F', '##### #.... #.... ####. #.... #.... #....'],
  ['G', '.###. #...# #.... #.### #...# #...# .####'],
  ['H', '#...# #...# #...# ##### #...# #...# #...#'],
  ['I', '### .#. .#. .#. .#. .#. ###'],
  ['J', '..### ...#. ...#. ...#. ...#. #..#. .##..'],
  ['K', '#...# #..#. #.#.. ##... #.#.. #..#. #...#'],
  ['L', '#.... #.... #.... #.... #.... #.... #####'],
  ['M', '#...# ##.## #.#.# #.#.# #...# #...# #...#'],
  ['N', '#...# #...# ##..# #.#.# #..## #...# #...#'],
  ['O', '.###. #...# #...# #...# #...# #...# .###.'],
  ['P', '####. #...# #...# ####. #.... #.... #....'],
  ['Q', '.###. #...# #...# #...# #.#.# #..#. .##.#'],
  ['R', '####. #...# #...# ####. #.#.. #..#. #...#'],
  ['S', '.#### #.... #.... .###. ....# ....# ####.'],
  ['T', '##### ..#.. ..#.. ..#.. ..#.. ..#.. ..#..'],
  ['U', '#...# #...# #...# #...# #...# #...# .###.'],
  ['V', '#...# #...# .#.#. .#.#. .#.#. ..#.. ..#..'],
  ['W', '#...# #...# #...# #.#.# #.#.# #.#.# .#.#.'],
  ['X', '#...# #...# .#.#. ..#.. .#.#. #...# #...#'],
  ['Y', '#...# #...# .#.#. ..#.. ..#.. ..#.. ..#..'],
  ['Z', '##### ....# ...#. ..#.. .#... #.... #####'],
  ['[', '### #.. #.. #.. #.. #.. ###'],
  ['\\', '#.... #.... .#... ..#.. ...#. ....# ....#'],
  [']', '### ..# ..# ..# ..# ..# ###'],
  ['^', '..#.. .#.#. #...# ..... ..... ..... .....'],
  ['_', '..... ..... ..... ..... ..... ..... #####'],
  ['`', '#. .# .. .. .. .. ..'],
  ['a', '..... ..... .###. ....# .#### #...# .####'],
  ['b', '#.... #.... #.##. ##..# #...# #...# ####.'],
  ['c', '..... ..... .###. #.... #.... #...# .###.'],
  ['d', '....# ....# .##.# #..## #...# #...# .####'],
  ['e', '..... ..... .###. #...# ##### #.... .###.'],
  ['f', '..## .#.. .#.. ###. .#.. .#.. .#..'],
  ['g', '..... ..... .#### #...# #...# #...# .#### ....# .###.'],
  ['h', '#.... #.... #.##. ##..# #...# #...# #...#'],
  ['i', '.#. ... ##. .#. .#. .#. ###'],
  ['j', '...# .... ..## ...# ...# ...# ...# #..# .##.'],
  ['k', '#... #... #..# #.#. ##.. #.#. #..#'],
  ['l', '##. .#. .#. .#. .#. .#. ###'],
  ['m', '..... ..... ##.#. #.#.# #.#.# #.#.# #.#.#'],
  ['n', '..... ..... #.##. ##..# #...# #...# #...#'],
  ['o', '..... ..... .###. #...# #...# #...# .###.'],
  ['p', '..... ..... ####. #...# #...# #...# ####. #.... #....'],
  ['q', '..... ..... .#### #...# #...# #...# .#### ....# ....#'],
  ['r', '..... ..... #.##. ##..# #.... #.... #....'],
  ['s', '..... ..... .#### #.... .###. ....# ####.'],
  ['t', '.#.. .#.. #### .#.. .#.. .#.. ..##'],
  ['u', '..... ..... #...# #...# #...# #..## .##.#'],
  ['v', '..... ..... #...# #...# #...# .#.#. ..#..'],
  ['w', '..... ..... #...# #...# #.#.# #.#.# .#.#.'],
  ['x', '..... ..... #...# .#.#. ..#.. .#.#. #...#'],
  ['y', '..... ..... #...# #...# #...# #...# .#### ....# .###.'],
  ['z', '..... ..... ##### ...#. ..#.. .#... #####'],
  ['{', '..# .#. .#. #.. .#. .#. ..#'],
  ['|', '# # # # # # #'],
  ['}', '#.. .#. .#. ..# .#. .#. #..'],
  ['~', '..... ..... .#... #.#.# ...#. ..... .....'],
  ['×', '..... #...# .#.#. ..#.. .#.#. #...# .....'],
  ['−', '..... ..... ..... ##### ..... ..... .....'],
  ['–', '...... ...... ...... ###### ...... ...... ......'],
];

/** Rows of a glyph cell: 7 above the baseline, 2 below. */
export const GLYPH_HEIGHT = 9;
/** Empty columns between two glyphs. */
const SPACING = 1;

interface Glyph {
  width: number;
  /** Ink pixels as [column, row] pairs. */
  ink: ReadonlyArray<readonly [number, number]>;
}

const FONT = new Map<string, Glyph>(
  GLYPHS.map(([ch, pattern]) => {
    const rows = pattern.split(' ');
    const ink: [number, number][] = [];
    rows.forEach((row, y) => {
      for (let x = 0; x < row.length; x++) if (row[x] === '#') ink.push([x, y]);
    });
    return [ch, { width: rows[0]?.length ?? 0, ink }];
  }),
);

/** Whether the font can draw `ch` (one character). */
export function hasGlyph(ch: string): boolean {
  return FONT.has(ch);
}

/**
 * The glyph of `ch`. A missing one throws rather than drawing a box: the pictures' words are
 * ours, so a gap in the font is a bug to fix here, not something to show a reader.
 */
function glyph(ch: string, text: string): Glyph {
  const g = FONT.get(ch);
  if (g === undefined) {
    const code = `U+${(ch.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
    throw new DiaboloError(
      'E_INVALID',
      `drawText: no glyph for ${JSON.stringify(ch)} (${code}) in ${JSON.stringify(text)}: the bitmap font has printable ASCII and × − –; add the glyph to viz/font.ts or rephrase`,
    );
  }
  return g;
}

/** Width in pixels of `text` drawn at `scale` (no spacing after the last glyph). */
export function textWidth(text: string, scale = 1): number {
  const chars = [...text];
  if (chars.length === 0) return 0;
  const columns = chars.reduce((w, ch) => w + glyph(ch, text).width + SPACING, -SPACING);
  return columns * scale;
}

/**
 * Draw `text` with its cell's top-left corner at (x, y), each font pixel a `scale × scale`
 * square of `rgb`; pixels outside the raster are dropped. Returns the x after the text.
 */
export function drawText(
  r: Raster,
  text: string,
  x: number,
  y: number,
  rgb: readonly [number, number, number] = [0, 0, 0],
  scale = 1,
): number {
  let at = x;
  for (const ch of text) {
    const g = glyph(ch, text);
    for (const [gx, gy] of g.ink) {
      for (let dy = 0; dy < scale; dy++) {
        for (let dx = 0; dx < scale; dx++) {
          const [px, py] = [at + gx * scale + dx, y + gy * scale + dy];
          if (px >= 0 && py >= 0 && px < r.width && py < r.height) r.data.set([...rgb, 255], (py * r.width + px) * 4);
        }
      }
    }
    at += (g.width + SPACING) * scale;
  }
  return at === x ? x : at - SPACING * scale;
}

/**
 * `text` broken at spaces into lines at most `width` pixels wide at `scale`; a single word
 * wider than that keeps a line of its own.
 */
export function wrapText(text: string, width: number, scale = 1): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/ +/)) {
    const next = line === '' ? word : `${line} ${word}`;
    if (line !== '' && textWidth(next, scale) > width) {
      lines.push(line);
      line = word;
    } else line = next;
  }
  if (line !== '') lines.push(line);
  return lines;
}
