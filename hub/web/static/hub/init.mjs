// Progressive enhancement only: every page works without JavaScript.
// The packages are imported with this module's own `?v=` query, so a new version is never served from an
// old cache entry (assets are cached for a year).
const version = new URL(import.meta.url).search;
const govuk = await import(`/assets/govuk-frontend.min.js${version}`);
const moj = await import(`/assets/moj/moj-frontend.min.js${version}`);

govuk.initAll();
moj.initAll();
