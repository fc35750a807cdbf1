// Runs before the UI kit's bundle (deferred scripts run in document order).
// The kit bundles video.js, which would otherwise inject an inline <style> that the
// Content-Security-Policy (style-src 'self') refuses.
"use strict";
window.VIDEOJS_NO_DYNAMIC_STYLE = true;
