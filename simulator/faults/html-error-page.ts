/**
 * An error page as a proxy or maintenance screen serves it with status 200 (E6 in
 * security-and-reliability.md §5.2): HTML where the client expects JSON.
 */
export const HTML_ERROR_PAGE = `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Atlassian Cloud Notifications - Page Unavailable</title></head>
<body>
<h1>Something went wrong</h1>
<p>We're having trouble reaching this site right now. Try again in a few minutes.</p>
</body>
</html>
`;
