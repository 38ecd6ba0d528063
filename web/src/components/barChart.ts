// The console's bar charts (ECharts: bar charts, target lines and the canvas renderer are the
// parts of ECharts the console loads) and their life in a component: made on mount, resized
// with their box, disposed on unmount.
import { onBeforeUnmount, onMounted, type Ref } from 'vue';
import * as echarts from 'echarts/core';
import { BarChart } from 'echarts/charts';
import { GridComponent, MarkLineComponent, TooltipComponent } from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';

echarts.use([BarChart, GridComponent, MarkLineComponent, TooltipComponent, CanvasRenderer]);

export type Chart = echarts.ECharts;

// `draw` sets the chart's options: at mount, and whenever `redraw` is called after. `init` runs
// once on the new chart (e.g. to listen for clicks).
export function useBarChart(
  el: Ref<HTMLElement | undefined>,
  draw: (chart: Chart) => void,
  init?: (chart: Chart) => void,
): { redraw: () => void } {
  let chart: Chart | null = null;
  let resize: ResizeObserver | null = null;
  const redraw = () => {
    if (chart) draw(chart);
  };
  onMounted(() => {
    chart = echarts.init(el.value!, undefined, { renderer: 'canvas' });
    init?.(chart);
    redraw();
    resize = new ResizeObserver(() => chart?.resize());
    resize.observe(el.value!);
  });
  onBeforeUnmount(() => {
    resize?.disconnect();
    chart?.dispose();
    chart = null;
  });
  return { redraw };
}
