"""CathNet bedside: the Kivy tablet app over the ``cathnet`` SDK (research use only).

``cathnet-bedside`` (``cathnet_bedside.app.main``) starts it. The app's logic
(``storage``, ``worker``, ``review``, ``sources``) imports no Kivy and is tested without
a window; ``bedside`` (the application), ``screens`` and ``popups`` are the Kivy side.
"""

from __future__ import annotations
