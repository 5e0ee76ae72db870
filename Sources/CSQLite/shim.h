// System SQLite (Debian: libsqlite3-dev). RecoveryCore's SQLite layer is the only user.
#include <sqlite3.h>
