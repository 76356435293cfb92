# The course goes on (mk/course.mk): the other lessons of its Part 1, each in a folder of
# lessons/ with its targets (lesson.mk), its walk (walk.sh) and what differs here
# (README.md). `make lesson 6` walks lesson 6 as `make lesson` walks lesson 5.
-include $(sort $(wildcard lessons/*/lesson.mk))
# make lesson N: what follows lesson is the lesson's number, not a target of its own
# (scripts/walk-lesson says so when the course has no such lesson here).
ifneq ($(filter lesson,$(MAKECMDGOALS)),)
  LESSON := $(filter-out lesson,$(MAKECMDGOALS))
  $(LESSON): ; @:
endif
