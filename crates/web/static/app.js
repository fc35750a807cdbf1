// Presidio: behaviour shared by every page. No inline scripts anywhere (CSP script-src 'self').
"use strict";
