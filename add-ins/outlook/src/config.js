/*
 * Where the add-in finds the tonecheck service. add-ins/build.js rewrites this file with
 * --url and --api-key. Empty serviceUrl means "the origin that served this page", which works
 * for the task pane when the service hosts the add-in at /addin/, but not for the classic
 * Windows send-time runtime, which has no page: production builds must set it.
 */
var TONECHECK_CONFIG = { serviceUrl: "", apiKey: "" };
