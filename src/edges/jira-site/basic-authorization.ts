/**
 * `Authorization: Basic base64(email:token)`, how Jira Cloud takes API tokens of both kinds
 * (self-hosted-site.md §1.1, §1.2). The value is a secret: never logged or put in a message.
 */
export function basicAuthorization(email: string, apiToken: string): string {
  return `Basic ${Buffer.from(`${email}:${apiToken}`, 'utf8').toString('base64')}`;
}
