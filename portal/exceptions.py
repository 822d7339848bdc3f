class ApplicationError(Exception):
    """The one error type services raise for a rule the user broke; views show ``message``
    (HackSoft styleguide). ``extra`` may carry details such as row errors."""

    def __init__(self, message, extra=None):
        super().__init__(message)
        self.message = message
        self.extra = extra or {}
