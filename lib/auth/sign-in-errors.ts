/**
 * next-auth's error codes (in `?error=` or signIn()'s result) → what the sign-in page says. Only
 * known codes are shown as text: the query string is never echoed back.
 */
export function signInErrorMessage(code: string | null | undefined): string | null {
  if (!code) return null;
  switch (code) {
    case "CredentialsSignin":
      return "Wrong email or password, or the account is disabled.";
    case "RateLimited":
      return "Too many sign-in attempts. Wait a minute, then try again.";
    case "Busy":
      return "The server is busy checking other sign-ins. Try again in a few seconds.";
    case "AccessDenied":
      return "This account may not sign in: it is disabled, or the identity provider gave no email address.";
    case "OAuthSignin":
    case "OAuthCallback":
    case "OAuthCreateAccount":
    case "OAuthAccountNotLinked":
    case "Callback":
      return "Single sign-on failed. Try again, or ask an admin.";
    case "Configuration":
      return "Sign-in is misconfigured on the server; the server log says why.";
    case "SessionRequired":
      return "Sign in to see this page.";
    default:
      return "Sign-in failed. Try again.";
  }
}
