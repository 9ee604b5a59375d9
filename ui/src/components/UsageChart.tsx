// A stacked bar chart of one metric over time, one colour per key, drawn as plain SVG in pixel
// units (it is re-laid out when its box changes size, so labels stay readable on a phone).
// The SVG is one image for assistive technology, with a summary as its label; the legend and
// the data table below carry the numbers.
import { useLayoutEffect, useRef, useState } from 'react';
import { axisLabel, bucketLabel, formatCompact, formatNumber, ticks, type ChartData } from '../usage';

const HEIGHT = 240;
const MARGIN = { top: 12, right: 8, bottom: 44, left: 48 };

function useWidth<T extends Element>() {
  const ref = useRef<T>(null);
  const [width, setWidth] = useState(0);
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    setWidth(el.clientWidth);
    const observer = new ResizeObserver((entries) => setWidth(Math.floor(entries[0]?.contentRect.width ?? 0)));
    observer.observe(el);
    return () => observer.disconnect();
  }, []);
  return [ref, width] as const;
}

export function UsageChart({ data, unit, label }: { data: ChartData; unit: string; label: string }) {
  const [box, width] = useWidth<HTMLDivElement>();
  const { buckets, bucketMs, series, max } = data;
  const yTicks = ticks(max);
  const top = yTicks.at(-1)!;
  const plotW = Math.max(0, width - MARGIN.left - MARGIN.right);
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const band = plotW / buckets.length;
  const barW = Math.max(1, Math.min(band * 0.72, 40));
  const y = (v: number) => MARGIN.top + plotH - (v / top) * plotH;
  // Labels are about 7 px a character; space them so they never overlap, and leave out one
  // that would stick out on the right.
  const labelW = bucketMs < 3_600_000 ? 60 : 48;
  const labelEvery = Math.max(1, Math.ceil(buckets.length / Math.max(1, Math.floor(plotW / (labelW + 16)))));
  const labelled = buckets.map((b, i) => ({ b, i, x: MARGIN.left + band * i + band / 2 })).filter(({ i, x }) => i % labelEvery === 0 && x + labelW / 2 <= width);

  // Stack bottom-up in series order; remember where each bucket's stack has reached.
  const base = new Array<number>(buckets.length).fill(0);
  const stacks = series.map((s) =>
    s.values.map((v, i) => {
      const from = base[i]!;
      base[i] = from + v;
      return { from, to: from + v };
    }),
  );

  return (
    <div className="chart" ref={box}>
      {width > 0 && (
        <svg role="img" aria-label={label} width={width} height={HEIGHT} viewBox={`0 0 ${width} ${HEIGHT}`}>
          <g className="chart-grid" aria-hidden="true">
            {yTicks.map((t) => (
              <g key={t}>
                <line x1={MARGIN.left} x2={width - MARGIN.right} y1={y(t)} y2={y(t)} className={t === 0 ? 'chart-axis' : undefined} />
                <text x={MARGIN.left - 8} y={y(t)} dy="0.32em" textAnchor="end">
                  {formatCompact(t)}
                </text>
              </g>
            ))}
            {labelled.map(({ b, x }, n) => {
              const label = axisLabel(b, bucketMs, labelled[n - 1]?.b);
              return (
                <text key={b} x={x} y={HEIGHT - 26} textAnchor="middle">
                  <tspan x={x}>{label.main}</tspan>
                  {label.date && (
                    <tspan x={x} dy="1.3em">
                      {label.date}
                    </tspan>
                  )}
                </text>
              );
            })}
          </g>
          {series.map((s, si) => (
            <g key={s.colour} className={`series series-${s.colour}`} data-key={s.label}>
              {stacks[si]!.map(({ from, to }, i) =>
                to > from ? (
                  <rect key={buckets[i]} x={MARGIN.left + band * i + (band - barW) / 2} y={y(to)} width={barW} height={Math.max(1, y(from) - y(to))}>
                    <title>{`${s.label}, ${bucketLabel(buckets[i]!, bucketMs)}: ${formatNumber(to - from)} ${unit}`}</title>
                  </rect>
                ) : null,
              )}
            </g>
          ))}
        </svg>
      )}
    </div>
  );
}
