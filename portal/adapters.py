from allauth.account.adapter import DefaultAccountAdapter


class AccountAdapter(DefaultAccountAdapter):
    """No self sign-up: accounts come from an invitation (roles.md)."""

    def is_open_for_signup(self, request):
        return False
