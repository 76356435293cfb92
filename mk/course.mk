# The course goes on (mk/course.mk): the other lessons of its Part 1, each in a folder of
# lessons/ with its targets (lesson.mk), its walk (walk.sh) and what differs here
# (README.md). `make lesson 6` walks lesson 6 as `make lesson` walks lesson 5.
COURSE_LESSONS :=
-include $(sort $(wildcard lessons/*/lesson.mk))
# make lesson N: N is the lesson's number, not a target of its own.
LESSON := $(firstword $(filter $(COURSE_LESSONS),$(MAKECMDGOALS)))
ifneq ($(LESSON),)
$(LESSON): ; @:
endif
