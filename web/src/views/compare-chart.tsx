import { useEffect, useRef, useState } from 'preact/hooks';
import { layoutBarChart, pngBlob, svgMarkup, type BarChartInput } from '../chart';
import { saveBlob } from '../download';
import { ErrorBox } from './common';

/** The width of an element, followed as the window changes (the chart is laid out for it). */
function useWidth(fallback: number) {
  const ref = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(fallback);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const measure = () => setWidth(Math.floor(el.clientWidth) || fallback);
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(el);
    return () => observer.disconnect();
  }, []);
  return { ref, width };
}

/**
 * The bar chart on the page (an SVG with its title and description for screen readers; the numbers are also in the
 * table beside it) and its downloads: the server's CSV table, and the chart as SVG and PNG.
 */
export function BarChart({ input, description, fileStem, csv }: {
  input: BarChartInput; description: string; fileStem: string; csv: () => Promise<Blob>;
}) {
  const { ref, width } = useWidth(720);
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const layout = layoutBarChart(input, Math.min(width, 960));
  const run = (make: () => Promise<void>) => async () => {
    setBusy(true);
    setError(undefined);
    try {
      await make();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <figure class="bar-chart">
      <div ref={ref} class="chart-box">
        <svg width={layout.width} height={layout.height} viewBox={`0 0 ${layout.width} ${layout.height}`} role="img" aria-labelledby="chart-title chart-desc">
          <title id="chart-title">{input.title}</title>
          <desc id="chart-desc">{description}</desc>
          <rect width={layout.width} height={layout.height} fill="#ffffff" />
          {layout.shapes.map((s, i) => {
            if (s.kind === 'rect') return <rect key={i} x={s.x} y={s.y} width={s.width} height={s.height} fill={s.fill} />;
            if (s.kind === 'line') return <line key={i} x1={s.x1} y1={s.y1} x2={s.x2} y2={s.y2} stroke={s.stroke} />;
            return <text key={i} x={s.x} y={s.y} font-size={s.size} text-anchor={s.anchor} font-weight={s.bold ? 'bold' : undefined} fill={s.fill}>{s.text}</text>;
          })}
        </svg>
      </div>
      <figcaption class="actions">
        <button type="button" class="secondary" disabled={busy} onClick={run(async () => saveBlob(`${fileStem}.csv`, await csv()))}>Hent optællingen (CSV)</button>
        <button type="button" class="secondary" onClick={() => saveBlob(`${fileStem}.svg`, new Blob([svgMarkup(layout, input.title, description)], { type: 'image/svg+xml' }))}>
          Hent diagrammet (SVG)
        </button>
        <button type="button" class="secondary" disabled={busy} onClick={run(async () => saveBlob(`${fileStem}.png`, await pngBlob(layout)))}>Hent diagrammet (PNG)</button>
      </figcaption>
      <ErrorBox error={error} />
    </figure>
  );
}
