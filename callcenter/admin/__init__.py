"""The admin page's refusal catalogue (``errors.py``, codes ``admin.*``) and API shapes (``schemas.py``). Not a
domain: users are administered by auth (``callcenter.auth.users``, ``callcenter.auth.admin_api``), the directory
(seats, queues, skills, pause reasons) by the ACD (``callcenter.acd.directory``, ``callcenter.acd.directory_api``)."""
