import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export type Unit = 'ms' | 'KB' | 'requests' | 'items' | 'connections' | 'calls';

/**
 * One bench figure: Berth's value, and (for most) the same thing done by the
 * tool a user would use instead, measured in the same run. `target` is the
 * bound the issue sets, on the ratio when there is an anchor, else on the value.
 */
export type Figure = {
  piece: string;
  measure: string;
  unit: Unit;
  berth: number;
  anchor?: { name: string; value: number };
  ratio?: number;
  target?: { max: number; on: 'ratio' | 'value' };
  met?: boolean;
};

/** Berth next to its anchor; `maxRatio` is the issue's target for berth / anchor. */
export function versus(
  piece: string,
  measure: string,
  unit: Unit,
  berth: number,
  anchor: { name: string; value: number },
  maxRatio?: number,
): Figure {
  const ratio = berth / anchor.value;
  return {
    piece,
    measure,
    unit,
    berth,
    anchor,
    ratio,
    ...(maxRatio === undefined ? {} : { target: { max: maxRatio, on: 'ratio' as const }, met: ratio <= maxRatio }),
  };
}

/** A count bounded by value (`max`, when the issue sets one), shown next to its anchor's count when there is one. */
export function counted(
  piece: string,
  measure: string,
  unit: Unit,
  berth: number,
  max?: number,
  anchor?: { name: string; value: number },
): Figure {
  return {
    piece,
    measure,
    unit,
    berth,
    ...(anchor ? { anchor } : {}),
    ...(max === undefined ? {} : { target: { max, on: 'value' as const }, met: berth <= max }),
  };
}

const format = (value: number, unit: Unit) =>
  unit === 'ms'
    ? value >= 1000
      ? `${(value / 1000).toFixed(2)} s`
      : `${value.toFixed(1)} ms`
    : `${round(value)} ${unit}`;
const round = (value: number) => (Number.isInteger(value) ? String(value) : value.toFixed(1));

export function printFigures(title: string, figures: Figure[]): void {
  console.log(`\n## ${title}\n`);
  console.log('| measure | Berth | anchor | anchor value | ratio | target | met |');
  console.log('|---|---:|---|---:|---:|---:|---|');
  for (const figure of figures) {
    const target = figure.target
      ? figure.target.on === 'ratio'
        ? `≤ ${figure.target.max}x`
        : `≤ ${format(figure.target.max, figure.unit)}`
      : '';
    console.log(
      `| ${figure.measure} | ${format(figure.berth, figure.unit)} | ${figure.anchor?.name ?? ''} | ${
        figure.anchor ? format(figure.anchor.value, figure.unit) : ''
      } | ${figure.ratio === undefined ? '' : `${figure.ratio.toFixed(2)}x`} | ${target} | ${
        figure.met === undefined ? '' : figure.met ? 'yes' : 'NO'
      } |`,
    );
  }
}

/**
 * Writes the run's figures to `file`, keeping the figures of pieces this run
 * did not measure, so `npm run bench -- apply` updates only the apply figures.
 */
export function writeFigures(file: string, pieces: readonly string[], figures: Figure[]): void {
  const previous: Figure[] = existsSync(file)
    ? ((JSON.parse(readFileSync(file, 'utf8')) as { figures?: Figure[] }).figures ?? [])
    : [];
  const kept = previous.filter((figure) => !pieces.includes(figure.piece));
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(
    file,
    `${JSON.stringify(
      {
        node: process.version,
        commit: execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8' }).trim(),
        writtenAt: new Date().toISOString(),
        figures: [...kept, ...figures],
      },
      null,
      2,
    )}\n`,
  );
}

export const median = (samples: readonly number[]) =>
  [...samples].sort((a, b) => a - b)[Math.floor(samples.length / 2)]!;

/** The median of `runs` timed runs of `work`. */
export async function timed(runs: number, work: () => Promise<unknown>): Promise<number> {
  const samples: number[] = [];
  for (let run = 0; run < runs; run++) {
    const started = performance.now();
    await work();
    samples.push(performance.now() - started);
  }
  return median(samples);
}
