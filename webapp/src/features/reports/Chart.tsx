import { useEffect, useRef } from 'react';
import * as echarts from 'echarts/core';
import { BarChart, LineChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent, AriaComponent } from 'echarts/components';
import { SVGRenderer } from 'echarts/renderers';

echarts.use([BarChart, LineChart, GridComponent, LegendComponent, TooltipComponent, AriaComponent, SVGRenderer]);

export interface ChartSeries {
  name: string;
  data: (number | null)[];
}

/**
 * A bar or line chart of series over categories. The numbers are in the table beside it, so the
 * chart itself is decorative for screen readers beyond its label (ECharts' aria description).
 */
export function Chart({
  label,
  kind,
  categories,
  series,
  percent = false,
  stacked = false,
}: {
  label: string;
  kind: 'bar' | 'line';
  categories: string[];
  series: ChartSeries[];
  percent?: boolean;
  stacked?: boolean;
}) {
  const element = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!element.current) return;
    const chart = echarts.init(element.current, undefined, { renderer: 'svg' });
    chart.setOption({
      aria: { enabled: true, label: { description: label } },
      animation: false,
      tooltip: { trigger: 'axis' },
      legend: { type: 'scroll', bottom: 0 },
      grid: { left: 48, right: 16, top: 16, bottom: 56 },
      xAxis: { type: 'category', data: categories },
      yAxis: percent
        ? { type: 'value', min: 0, max: 1, axisLabel: { formatter: (v: number) => `${Math.round(v * 100)}%` } }
        : { type: 'value', minInterval: 1 },
      series: series.map((s) => ({ name: s.name, type: kind, data: s.data, stack: stacked ? 'all' : undefined, connectNulls: true })),
    });
    const resize = () => chart.resize();
    window.addEventListener('resize', resize);
    return () => {
      window.removeEventListener('resize', resize);
      chart.dispose();
    };
  }, [label, kind, categories, series, percent, stacked]);
  return <div ref={element} className="chart" role="img" aria-label={label} />;
}
