// The GOV.UK template's one inline script, as a file: the Content-Security-Policy allows no inline script.
// It runs first in <body> (a classic, blocking script), so styles for JavaScript apply before the first paint.
document.body.className += ' js-enabled' + ('noModule' in HTMLScriptElement.prototype ? ' govuk-frontend-supported' : '');
