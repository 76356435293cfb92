-- The images database, run once by the MySQL image from /docker-entrypoint-initdb.d
-- on an empty data directory. Works on MySQL 5.7, 8.x and MariaDB 10.11.
--
-- The image creates MYSQL_USER ('user') before it runs this file; the API connects as
-- that user, which may only read and change rows, never the schema.

-- utf8mb4 explicitly: MySQL 5.7 defaults to latin1, which cannot store most of the world's text.
CREATE DATABASE IF NOT EXISTS images
  CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

GRANT SELECT, INSERT, UPDATE, DELETE ON images.* TO 'user'@'%';

USE images;

CREATE TABLE IF NOT EXISTS images (
  id       INT          NOT NULL AUTO_INCREMENT PRIMARY KEY,
  caption  VARCHAR(100) NOT NULL,
  filename VARCHAR(255) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The seed row the front end's tests look for; only on an empty table, so a re-run adds nothing.
INSERT INTO images (caption, filename)
  SELECT 'Hello', 'hello-caption.gif' FROM DUAL
  WHERE NOT EXISTS (SELECT 1 FROM images);
