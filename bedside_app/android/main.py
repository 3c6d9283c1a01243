"""python-for-android's entry point: the bedside app, data in the app's private storage."""

from cathnet_bedside.app import entry

entry()
