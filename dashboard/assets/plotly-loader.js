/* dcc.Graph loads plotly.js itself, asynchronously, from window._dashPlotlyJSURL, which the Dash
 * renderer points at the full bundle (4.8 MB). Point it at the basic bundle shipped beside this
 * file instead (scatter and bar, the only traces the dashboard draws: a quarter of the size).
 * Loaded this way, plotly.js compiles while the page's first requests are under way, and pages
 * without graphs never load it. The bundle itself is left out of the page's scripts by the app's
 * assets_ignore. */
(function () {
  var here = document.currentScript && document.currentScript.src;
  var url = here ? here.replace(/plotly-loader\.js(\?.*)?$/, "plotly-basic.min.js") : "/assets/plotly-basic.min.js";
  Object.defineProperty(window, "_dashPlotlyJSURL", {
    configurable: true,
    get: function () { return url; },
    set: function () { /* the renderer's own choice is the full bundle: keep ours */ }
  });
})();
