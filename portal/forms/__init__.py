"""Forms of the site shell: accounts (``accounts``) and two-factor authentication (``two_factor``)."""
