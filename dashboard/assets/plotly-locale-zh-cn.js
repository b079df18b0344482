/* Simplified Chinese for plotly.js's own words: the graph toolbar's tooltips, the legend and zoom
 * hints, dates and numbers on the axes. The dashboard's translation, not plotly.js's locale file.
 * plotly.js loads later (plotly-loader.js) and registers what waits in window.PlotlyLocales; a
 * graph uses it when its config says locale "zh-CN" (dashboard/ui.py). */
(function () {
  var locale = {
    moduleType: "locale",
    name: "zh-CN",
    dictionary: {
      "Autoscale": "自动缩放",
      "Box Select": "矩形框选",
      "Click to enter Colorscale title": "点击输入色阶标题",
      "Click to enter Plot subtitle": "点击输入图表副标题",
      "Click to enter Plot title": "点击输入图表标题",
      "Click to enter X axis title": "点击输入X轴标题",
      "Click to enter Y axis title": "点击输入Y轴标题",
      "Compare data on hover": "悬停时比较数据",
      "Double-click on legend to isolate one trace": "双击图例只显示该系列",
      "Double-click to zoom back out": "双击恢复缩放",
      "Download plot": "下载图表",
      "Download plot as a PNG": "下载图表为PNG图片",
      "Draw circle": "画圆",
      "Draw closed freeform": "画封闭自由形状",
      "Draw line": "画线",
      "Draw open freeform": "画开放自由形状",
      "Draw rectangle": "画矩形",
      "Erase active shape": "删除所选形状",
      "Lasso Select": "套索选择",
      "Orbital rotation": "轨道旋转",
      "Pan": "平移",
      "Produced with Plotly.js": "由Plotly.js生成",
      "Reset": "重置",
      "Reset axes": "重置坐标轴",
      "Reset camera to default": "重置视角为默认",
      "Reset camera to last save": "重置视角为上次保存",
      "Reset view": "重置视图",
      "Reset views": "重置视图",
      "Show closest data on hover": "悬停时显示最近的数据",
      "Snapshot succeeded": "生成快照成功",
      "Sorry, there was a problem downloading your snapshot!": "抱歉，下载快照时出现问题！",
      "Taking snapshot - this may take a few seconds": "正在生成快照，可能需要几秒钟",
      "Toggle Spike Lines": "切换辅助线",
      "Toggle show closest data on hover": "切换悬停时显示最近的数据",
      "Turntable rotation": "转盘旋转",
      "Zoom": "缩放",
      "Zoom in": "放大",
      "Zoom out": "缩小",
      "new text": "新文本",
      "trace": "系列"
    },
    format: {
      days: ["星期日", "星期一", "星期二", "星期三", "星期四", "星期五", "星期六"],
      shortDays: ["周日", "周一", "周二", "周三", "周四", "周五", "周六"],
      months: ["一月", "二月", "三月", "四月", "五月", "六月", "七月", "八月", "九月", "十月", "十一月", "十二月"],
      shortMonths: ["1月", "2月", "3月", "4月", "5月", "6月", "7月", "8月", "9月", "10月", "11月", "12月"],
      date: "%Y-%m-%d",
      decimal: ".",
      thousands: ","
    }
  };
  if (typeof window.Plotly !== "undefined" && window.Plotly.register) {
    window.Plotly.register(locale);
  } else {
    window.PlotlyLocales = window.PlotlyLocales || [];
    window.PlotlyLocales.push(locale);
  }
})();
