/*
 * The call to tonecheck. UrlFetchApp runs on Google's servers, so there is no CORS here, but the
 * service must be reachable over HTTPS and listed in appsscript.json's urlFetchWhitelist.
 */

/** Service URL and API key from the script properties (Project Settings > Script properties). */
function settings_() {
  var props = PropertiesService.getScriptProperties();
  var url = (props.getProperty('TONECHECK_URL') || '').replace(/\/+$/, '');
  if (!url) {
    throw new Error('the add-on is not set up: add the script property TONECHECK_URL');
  }
  return { url: url, apiKey: props.getProperty('TONECHECK_API_KEY') || '' };
}

/** POST the text to /v1/check; returns the parsed result or throws with the service's message. */
function checkText_(text) {
  var conf = settings_();
  var headers = { Accept: 'application/json' };
  if (conf.apiKey) {
    headers['X-API-Key'] = conf.apiKey;
  }
  var response = UrlFetchApp.fetch(conf.url + '/v1/check?offset_unit=utf16', {
    method: 'post',
    contentType: 'application/json',
    payload: JSON.stringify({ text: text, content_type: 'text/plain' }),
    headers: headers,
    // Read error bodies ourselves: they carry the message the writer should see.
    muteHttpExceptions: true
  });
  var status = response.getResponseCode();
  var body = response.getContentText();
  if (status !== 200) {
    var message = 'HTTP ' + status;
    try {
      message = JSON.parse(body).error.message;
    } catch (ignored) {
      // Not our JSON error shape (a proxy page, say): the status is all we can report.
    }
    throw new Error('tonecheck could not check the text: ' + message);
  }
  return JSON.parse(body);
}
