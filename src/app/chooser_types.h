/* chooser_types.h - the words the chooser's facade, model and view share.
 *
 * Below all three, so that the model and the view need not include the
 * facade (chooser.h) that is built on them.
 */
#ifndef APP_CHOOSER_TYPES_H
#define APP_CHOOSER_TYPES_H

enum chooser_result {
	CHOOSER_NONE,		/* still open (or was not open) */
	CHOOSER_CHOSEN,		/* a file was picked: chooser_path() */
	CHOOSER_CANCELLED,	/* Cancel, Esc or closed */
};

/* The parts of the chooser's layout, for hit tests. */
enum chooser_part {
	CHOOSER_PART_UP,	/* parent folder button */
	CHOOSER_PART_PATH,	/* the folder shown */
	CHOOSER_PART_LIST,	/* the rows, without header and scroll bar */
	CHOOSER_PART_SCROLLBAR,	/* empty when the list fits */
	CHOOSER_PART_THUMB,	/* the scroll bar's handle */
	CHOOSER_PART_NAME,	/* the file-name field */
	CHOOSER_PART_OPEN,
	CHOOSER_PART_CANCEL,
	CHOOSER_PART_TYPES,	/* the "Files of type" box */
	CHOOSER_PART_ROW,	/* list row number `row` (0 = first entry) */
	CHOOSER_PART_NONE,
};

#endif
