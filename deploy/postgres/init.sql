-- Run once by the postgres image on an empty data volume (docker-entrypoint-initdb.d): one
-- database per subgraph and one for the schema registry, owned by POSTGRES_USER.
CREATE DATABASE users;
CREATE DATABASE products;
CREATE DATABASE orders;
CREATE DATABASE registry;
