"""Two-factor authentication (django-allauth's TOTP) with the portal's rules."""

from allauth.mfa.models import Authenticator
from allauth.mfa.totp.forms import ActivateTOTPForm as AllauthActivateTOTPForm
from allauth.mfa.totp.internal.auth import TOTP


class ActivateTOTPForm(AllauthActivateTOTPForm):
    """allauth's TOTP activation form, except that the code that proves the new authenticator
    counts as used (allauth checks it without marking it): within its validity window the same
    code cannot open a login too (RFC 6238 section 5.2, "the verifier MUST NOT accept the
    second attempt of the OTP after the successful validation")."""

    def clean_code(self) -> str:
        code = super().clean_code()
        # allauth's own used-code marker (keyed on user and code, expiring with the window).
        TOTP(Authenticator(user=self.user, type=Authenticator.Type.TOTP))._mark_code_used(code)
        return code
