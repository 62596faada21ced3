"""The course's fictional worlds, built on the toolkit (never the other way round).

- :mod:`evalbook.course.acme`: Acme, the online shop, and Acme Assist, its support assistant (lessons 00-10);
- :mod:`evalbook.course.harbor`: Harbor Mutual's insurance claims (lesson 01's product metrics);
- :mod:`evalbook.course.quiz`: the practice multiple-choice benchmark (lesson 01's leaderboard).

The simulator (:mod:`evalbook.sim`) plays the models these worlds talk to. Everything outside ``course`` and
``sim`` is the reusable toolkit, which you can keep using on your own product after the course.
"""
