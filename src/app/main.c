/* main.c - sharedmemory: the SharedMemory Example window.
 *
 * Exit status: 0 when the window is closed, 1 when it cannot start (no
 * font, no display), 2 for a usage error.
 */
#include <stdio.h>

#include "app/app.h"

int main(int argc, char **argv)
{
	struct app_options opts;
	struct err err = { "" };
	struct app *app;
	int status;

	app_options_init(&opts);
	switch (app_parse_args(&opts, argc, argv, &err)) {
	case 1:
		app_usage(stdout, "sharedmemory");
		return 0;
	case -1:
		fprintf(stderr, "sharedmemory: %s (try --help)\n", err.msg);
		return 2;
	default:
		break;
	}

	app = app_create(&opts, &err);
	if (!app) {
		fprintf(stderr, "sharedmemory: %s\n", err.msg);
		return 1;
	}
	status = app_run(app);
	app_destroy(app);
	return status;
}
