"""The application's pages, one module per area; each is an `APIRouter` the app factory includes."""
