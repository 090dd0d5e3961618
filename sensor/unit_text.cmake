# Turn conf/apiary-sensor.service into a C string (apiary enroll
# --print-unit), so the binary and the installed unit never differ.
file(READ ${IN} TEXT)
string(REPLACE "\\" "\\\\" TEXT "${TEXT}")
string(REPLACE "\"" "\\\"" TEXT "${TEXT}")
string(REPLACE "\n" "\\n\"\n    \"" TEXT "${TEXT}")
file(WRITE ${OUT} "/* generated from conf/apiary-sensor.service */\nstatic const char ap_unit_text[] =\n    \"${TEXT}\";\n")
