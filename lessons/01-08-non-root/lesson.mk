# Both images run as non-root users already (back: uid 10001; front: nginx, uid 101, on
# 8080): the lesson's Dockerfile changes are made, and README.md here says where. Its
# commands are lesson 5's targets: make build, make build-front, make db, make back
# BACK_PORT=3001, make front BACK_PORT=3001 (the port passed again, as the course types it).
