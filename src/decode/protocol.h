/* protocol.h - how a program and its decoder helper talk.
 *
 * The parent starts `shm-decode` with one end of a socketpair as fd
 * DECODE_CHILD_FD. The helper answers the way an owner answers a reader
 * (src/shm/name.h): 'F' with the sealed segment, or 'E' and a reason.
 * The request is DECODE_REQUEST, then the file name's extension (at most
 * DECODE_EXT_MAX bytes, SDL_image's type hint), with the file's fd
 * attached.
 */
#ifndef DECODE_PROTOCOL_H
#define DECODE_PROTOCOL_H

#define DECODE_CHILD_FD 3
#define DECODE_REQUEST 'D'
#define DECODE_EXT_MAX 16

#endif
