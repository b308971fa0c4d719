// The app itself does nothing special: the upload page loads ossup when it opens.
App({});
