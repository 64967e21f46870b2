/*
 * xml.h - the little XML writing the reports need (JUnit, SVG).
 */
#ifndef TICKETLAB_XML_H
#define TICKETLAB_XML_H

#include <stdio.h>

/*
 * tl_xml_text - write s as XML character data or a double-quoted attribute
 * value: < > & " escaped; control bytes other than tab and newline, the
 * non-characters U+FFFE/U+FFFF and invalid UTF-8 dropped or shown as '?',
 * so that the file always parses, whatever a name or a message holds.
 */
void tl_xml_text(FILE *f, const char *s);

#endif
