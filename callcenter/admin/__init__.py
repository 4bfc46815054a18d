"""The admin page's refusal catalogue (``errors.py``, codes ``admin.*``). Not a domain: users are administered
by auth (``callcenter.auth.users``, ``admin_api``, ``admin_schemas``), the directory (seats, queues, skills, pause
reasons) by the ACD (``callcenter.acd.directory``, ``directory_api``, ``directory_schemas``)."""
