"""The tools around compiled jobs, for review in git: explain, diff, import, init. No AWS client here."""
